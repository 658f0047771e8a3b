using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.IO.Pipelines;
using DeadlineGuard.Json;
using DeadlineGuard.Observability;
using DeadlineGuard.Policy;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Prometheus;

namespace DeadlineGuard.Admission;

/// <summary>The HTTP adapter around <see cref="AdmissionDecider"/>.</summary>
public sealed partial class AdmissionHandler(
    AdmissionDecider decider,
    PolicyStore policies,
    WebhookMetrics metrics,
    IOptions<AdmissionOptions> options,
    ILogger<AdmissionHandler> logger,
    DecisionLog decisionLog,
    BodyBudget budget)
{
    private readonly AdmissionOptions _options = options.Value;

    /// <summary>The series of each (endpoint, operation, decision), looked up once: a label lookup per request allocates.</summary>
    private readonly ConcurrentDictionary<(string Endpoint, string Operation, string Decision), (Counter.Child Requests, Histogram.Child Duration)> _series = new();

    /// <summary>
    /// Answers one review. A client that goes away (mid-body, mid-answer, a stream reset) is its own fault, not ours:
    /// counted as <c>aborted</c> and logged once at Debug without a stack trace, never as an unhandled exception.
    /// </summary>
    public async Task HandleAsync(HttpContext context, AdmissionEndpoint endpoint)
    {
        var started = Stopwatch.GetTimestamp();
        var endpointName = endpoint == AdmissionEndpoint.Mutate ? "mutate" : "validate";
        try
        {
            await HandleReviewAsync(context, endpoint, endpointName, started);
        }
        catch (Exception e) when (ClientGone(e, context))
        {
            metrics.Requests.WithLabels(endpointName, "unknown", "aborted").Inc();
            LogClientGone(logger, endpointName, JsonProblem.FirstLine(e.Message));
        }
    }

    /// <summary>The connection or stream is gone, so no answer can reach the client; the exception says no more than that.</summary>
    private static bool ClientGone(Exception e, HttpContext context) =>
        e is Microsoft.AspNetCore.Connections.ConnectionResetException or Microsoft.AspNetCore.Connections.ConnectionAbortedException
        || (context.RequestAborted.IsCancellationRequested && e is OperationCanceledException or IOException or ObjectDisposedException);

    private async Task HandleReviewAsync(HttpContext context, AdmissionEndpoint endpoint, string endpointName, long started)
    {
        if (!IsJson(context.Request.ContentType))
        {
            await RejectAsync(context, endpointName, started, StatusCodes.Status400BadRequest,
                $"content type must be application/json, found {(string.IsNullOrEmpty(context.Request.ContentType) ? "none" : context.Request.ContentType)}");
            return;
        }

        if (context.Request.ContentLength > _options.MaxRequestBytes)
        {
            await RejectAsync(context, endpointName, started, StatusCodes.Status413PayloadTooLarge, TooLarge());
            return;
        }

        // Room for the body among those read and decoded at once, before a byte of it is read.
        var reserved = await budget.EnterAsync(context.Request.ContentLength ?? _options.MaxRequestBytes, context.RequestAborted);
        if (reserved == 0)
        {
            context.Response.Headers.RetryAfter = "1";
            await RejectAsync(context, endpointName, started, StatusCodes.Status429TooManyRequests,
                $"too many reviews being read at once: {budget.InUse} of {budget.Capacity} bytes in use for {budget.Wait.TotalMilliseconds:0} ms (Admission:MaxDecodingBytes); retry",
                "throttled");
            return;
        }

        try
        {
            await ReadDecideAndAnswerAsync(context, endpoint, endpointName, started);
        }
        finally
        {
            budget.Leave(reserved);
        }
    }

    private async Task ReadDecideAndAnswerAsync(HttpContext context, AdmissionEndpoint endpoint, string endpointName, long started)
    {
        var reader = context.Request.BodyReader;
        ReadResult read;
        try
        {
            // With a declared length, one wait for the whole body (asking for one byte more returns at its end):
            // every read and advance takes the body pipe's lock, which Kestrel's frame loop holds as it writes.
            var wanted = context.Request.ContentLength is { } declared ? (int)declared + 1 : 0;
            while (true)
            {
                // No cancellation token: a read canceled through one leaves Kestrel's body reader "in progress", and
                // Kestrel then logs an Error when it drains the body. A client gone fails the read by itself.
                read = wanted > 0 ? await reader.ReadAtLeastAsync(wanted) : await reader.ReadAsync();
                if (read.Buffer.Length > _options.MaxRequestBytes)
                {
                    reader.AdvanceTo(read.Buffer.Start, read.Buffer.End);
                    await RejectAsync(context, endpointName, started, StatusCodes.Status413PayloadTooLarge, TooLarge());
                    return;
                }

                // A canceled read is not the end of the body: Kestrel cancels pending reads when shutdown begins
                // (to stop waiting for a next request), and the review in flight must still be read whole.
                if (read.IsCompleted && !read.IsCanceled)
                {
                    break;
                }

                reader.AdvanceTo(read.Buffer.Start, read.Buffer.End);
            }
        }
        catch (BadHttpRequestException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The body ended early because the connection is gone: nobody to answer.
            metrics.Requests.WithLabels(endpointName, "unknown", "aborted").Inc();
            LogAborted(logger, endpointName);
            return;
        }
        catch (BadHttpRequestException e)
        {
            // The client's fault (a malformed or too slow body): Kestrel's own status, a one-line reason, counted,
            // logged at Information (the client's problem, not the operator's).
            await RejectAsync(context, endpointName, started, e.StatusCode, $"request body could not be read: {JsonProblem.FirstLine(e.Message)}", "invalid", LogLevel.Information);
            return;
        }
        catch (Exception e) when (e is IOException || (e is OperationCanceledException && context.RequestAborted.IsCancellationRequested))
        {
            // The client went away mid-body (a reset connection comes as an IOException, sometimes before RequestAborted
            // is signalled): nobody to answer. Aborting tells Kestrel so: else it tries to drain the rest of the body
            // from a reader the failed read left busy, and logs that at Error.
            context.Abort();
            metrics.Requests.WithLabels(endpointName, "unknown", "aborted").Inc();
            LogAborted(logger, endpointName);
            return;
        }

        var decoded = AdmissionDecoder.Decode(read.Buffer);
        reader.AdvanceTo(read.Buffer.End);
        if (decoded.Request is not { } request)
        {
            await RejectAsync(context, endpointName, started, StatusCodes.Status400BadRequest, decoded.Error!);
            return;
        }

        AdmissionDecision decision;
        var body = new ArrayBufferWriter<byte>(512);
        using (request)
        {
            decision = Decide(endpoint, request);
            AdmissionResponseWriter.Write(body, request.ApiVersion, request.Uid, decision);
        }

        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = body.WrittenCount;
        await context.Response.Body.WriteAsync(body.WrittenMemory, context.RequestAborted);

        var elapsed = Stopwatch.GetElapsedTime(started);
        var outcome = OutcomeLabel(decision.Outcome);
        Count(endpointName, request.Operation, outcome, elapsed);
        foreach (var violation in decision.Violations)
        {
            metrics.Violations.WithLabels(violation.Field, outcome).Inc();
        }

        if (decision.PitfallFault is { } fault)
        {
            LogPitfallFault(logger, fault, request.Uid, request.Display);
        }

        var pitfalls = decision.Pitfalls.Findings;
        for (var i = 0; i < pitfalls.Count; i++)
        {
            metrics.PitfallSeries[pitfalls[i].Id].Inc();
        }

        if (decision.Outcome != Outcome.Skipped && decisionLog.IsEnabled)
        {
            decisionLog.Write(endpointName, request, outcome, decision.Violations, decision.Pitfalls, decision.Patch.Count, elapsed.TotalMilliseconds);
        }
    }

    private void Count(string endpoint, string operation, string decision, TimeSpan elapsed)
    {
        var (requests, duration) = _series.GetOrAdd(
            (endpoint, operation, decision),
            static (key, m) => (m.Requests.WithLabels(key.Endpoint, key.Operation, key.Decision), m.Duration.WithLabels(key.Endpoint, key.Operation, key.Decision)),
            metrics);
        requests.Inc();
        duration.Observe(elapsed.TotalSeconds);
    }

    private AdmissionDecision Decide(AdmissionEndpoint endpoint, AdmissionRequest request)
    {
        try
        {
            var policy = policies.Current;
            return endpoint == AdmissionEndpoint.Mutate ? decider.Mutate(request, policy) : decider.Validate(request, policy);
        }
#pragma warning disable CA1031 // an internal fault must become an answer per the failure policy, never a 500
        catch (Exception e)
#pragma warning restore CA1031
        {
            LogFault(logger, e, request.Uid, request.Display);
            var failOpen = endpoint == AdmissionEndpoint.Mutate || _options.FailurePolicy == FailurePolicy.Ignore;
            const string Message = "deadline-guard could not evaluate this Rollout (internal error); see the webhook's log";
            return failOpen
                ? AdmissionDecision.Allow(Outcome.Error, [AdmissionDecider.Truncate(Message + "; allowed")])
                : AdmissionDecision.Deny([], Message, []) with { Outcome = Outcome.Error };
        }
    }

    private async Task RejectAsync(HttpContext context, string endpoint, long started, int status, string reason, string decision = "invalid", LogLevel level = LogLevel.Warning)
    {
        Count(endpoint, "unknown", decision, Stopwatch.GetElapsedTime(started));
        if (decision == "throttled")
        {
            LogThrottled(logger, endpoint, status, reason);
        }
        else
        {
            LogInvalid(logger, level, endpoint, status, reason);
        }

        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        if (status == StatusCodes.Status413PayloadTooLarge)
        {
            // The rest of the body will not be read: do not keep the connection for another request.
            context.Response.Headers.Connection = "close";
        }

        await context.Response.WriteAsync(reason + "\n", context.RequestAborted);
    }

    private string TooLarge() => $"request body is larger than the limit of {_options.MaxRequestBytes} bytes (Admission:MaxRequestBytes)";

    private static bool IsJson(string? contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var media)
        && media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase);

    private static string OutcomeLabel(Outcome outcome) => outcome switch
    {
        Outcome.Skipped => "skipped",
        Outcome.Exempt => "exempt",
        Outcome.Allowed => "allowed",
        Outcome.Patched => "patched",
        Outcome.Warned => "warned",
        Outcome.Audited => "audited",
        Outcome.Denied => "denied",
        _ => "error",
    };

    [LoggerMessage(EventId = 2, Message = "{Endpoint} answered {StatusCode}: {Reason}")]
    private static partial void LogInvalid(ILogger logger, LogLevel level, string endpoint, int statusCode, string reason);

    [LoggerMessage(EventId = 5, Level = LogLevel.Information, Message = "{Endpoint} answered {StatusCode}: {Reason}")]
    private static partial void LogThrottled(ILogger logger, string endpoint, int statusCode, string reason);

    [LoggerMessage(EventId = 6, Level = LogLevel.Debug, Message = "{Endpoint} request aborted by the client: {Reason}")]
    private static partial void LogClientGone(ILogger logger, string endpoint, string reason);

    [LoggerMessage(EventId = 4, Level = LogLevel.Debug, Message = "{Endpoint} request aborted by the client before its body was read")]
    private static partial void LogAborted(ILogger logger, string endpoint);

    [LoggerMessage(EventId = 5, Level = LogLevel.Error, Message = "Internal fault looking for pitfalls in {Uid} for {Rollout}; answered without them")]
    private static partial void LogPitfallFault(ILogger logger, Exception exception, string uid, string rollout);

    [LoggerMessage(EventId = 3, Level = LogLevel.Error, Message = "Internal fault deciding {Uid} for {Rollout}; answered per the failure policy")]
    private static partial void LogFault(ILogger logger, Exception exception, string uid, string rollout);
}

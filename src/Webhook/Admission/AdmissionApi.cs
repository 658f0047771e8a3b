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

/// <summary>POST /mutate and POST /validate: decode, decide, encode. The decisions know nothing of HTTP.</summary>
public static partial class AdmissionApi
{
    public static IEndpointRouteBuilder MapAdmission(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/mutate", (HttpContext context, AdmissionHandler handler) => handler.HandleAsync(context, AdmissionEndpoint.Mutate));
        routes.MapPost("/validate", (HttpContext context, AdmissionHandler handler) => handler.HandleAsync(context, AdmissionEndpoint.Validate));
        return routes;
    }
}

public enum AdmissionEndpoint
{
    Mutate,
    Validate,
}

/// <summary>The HTTP adapter around <see cref="AdmissionDecider"/>.</summary>
public sealed partial class AdmissionHandler(
    AdmissionDecider decider,
    PolicyStore policies,
    WebhookMetrics metrics,
    IOptions<AdmissionOptions> options,
    ILogger<AdmissionHandler> logger,
    DecisionLog decisionLog)
{
    private readonly AdmissionOptions _options = options.Value;

    /// <summary>The series of each (endpoint, operation, decision), looked up once: a label lookup per request allocates.</summary>
    private readonly ConcurrentDictionary<(string Endpoint, string Operation, string Decision), (Counter.Child Requests, Histogram.Child Duration)> _series = new();

    public async Task HandleAsync(HttpContext context, AdmissionEndpoint endpoint)
    {
        var started = Stopwatch.GetTimestamp();
        var endpointName = endpoint == AdmissionEndpoint.Mutate ? "mutate" : "validate";
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

        var reader = context.Request.BodyReader;
        ReadResult read;
        try
        {
            // With a declared length, one wait for the whole body (asking for one byte more returns at its end):
            // every read and advance takes the body pipe's lock, which Kestrel's frame loop holds as it writes.
            var wanted = context.Request.ContentLength is { } declared ? (int)declared + 1 : 0;
            while (true)
            {
                read = wanted > 0 ? await reader.ReadAtLeastAsync(wanted, context.RequestAborted) : await reader.ReadAsync(context.RequestAborted);
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
        catch (BadHttpRequestException e)
        {
            // The client's fault (a malformed or too slow body): Kestrel's own status, a one-line reason, counted.
            await RejectAsync(context, endpointName, started, e.StatusCode, $"request body could not be read: {JsonProblem.FirstLine(e.Message)}");
            return;
        }
        catch (Exception e) when ((e is OperationCanceledException or IOException) && context.RequestAborted.IsCancellationRequested)
        {
            // The client went away mid-body: nobody to answer.
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

    private async Task RejectAsync(HttpContext context, string endpoint, long started, int status, string reason)
    {
        Count(endpoint, "unknown", "invalid", Stopwatch.GetElapsedTime(started));
        LogInvalid(logger, endpoint, status, reason);
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

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "{Endpoint} answered {StatusCode}: {Reason}")]
    private static partial void LogInvalid(ILogger logger, string endpoint, int statusCode, string reason);

    [LoggerMessage(EventId = 4, Level = LogLevel.Debug, Message = "{Endpoint} request aborted by the client before its body was read")]
    private static partial void LogAborted(ILogger logger, string endpoint);

    [LoggerMessage(EventId = 5, Level = LogLevel.Error, Message = "Internal fault looking for pitfalls in {Uid} for {Rollout}; answered without them")]
    private static partial void LogPitfallFault(ILogger logger, Exception exception, string uid, string rollout);

    [LoggerMessage(EventId = 3, Level = LogLevel.Error, Message = "Internal fault deciding {Uid} for {Rollout}; answered per the failure policy")]
    private static partial void LogFault(ILogger logger, Exception exception, string uid, string rollout);
}

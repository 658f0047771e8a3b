using System.Buffers;
using System.Diagnostics;
using DeadlineGuard.Policy;

namespace DeadlineGuard.Admission;

/// <summary>
/// The HTTP adapter around <see cref="AdmissionDecider"/>: reads the body (<see cref="ReviewBodyReader"/>), decodes
/// it, decides, writes the AdmissionReview answer, and reports it (<see cref="AdmissionTelemetry"/>). The decisions
/// know nothing of HTTP.
/// </summary>
public sealed class AdmissionHandler(
    AdmissionDecider decider,
    PolicyStore policies,
    ReviewBodyReader bodies,
    FaultAnswer faults,
    AdmissionTelemetry telemetry)
{
    /// <summary>
    /// Answers one review. A client that goes away (mid-body, mid-answer, a stream reset) is its own fault, not ours:
    /// counted as <c>aborted</c> and logged once at Debug without a stack trace, never as an unhandled exception.
    /// </summary>
    public async Task HandleAsync(HttpContext context, AdmissionEndpoint endpoint)
    {
        ArgumentNullException.ThrowIfNull(context);
        var started = Stopwatch.GetTimestamp();
        try
        {
            var body = await bodies.ReadAsync(context);
            try
            {
                if (body.ClientGone)
                {
                    telemetry.AbortedMidBody(endpoint);
                }
                else if (body.Rejection is { } rejection)
                {
                    await RejectAsync(context, endpoint, started, rejection);
                }
                else
                {
                    await AnswerAsync(context, endpoint, body.Bytes, started);
                }
            }
            finally
            {
                bodies.Release(body);
            }
        }
        catch (Exception e) when (ClientGone(e, context))
        {
            telemetry.ClientGone(endpoint, e);
        }
    }

    /// <summary>The connection or stream is gone, so no answer can reach the client; the exception says no more than that.</summary>
    private static bool ClientGone(Exception e, HttpContext context) =>
        e is Microsoft.AspNetCore.Connections.ConnectionResetException or Microsoft.AspNetCore.Connections.ConnectionAbortedException
        || (context.RequestAborted.IsCancellationRequested && e is OperationCanceledException or IOException or ObjectDisposedException);

    private async Task AnswerAsync(HttpContext context, AdmissionEndpoint endpoint, ReadOnlySequence<byte> bytes, long started)
    {
        var decoded = AdmissionDecoder.Decode(bytes);
        context.Request.BodyReader.AdvanceTo(bytes.End);
        if (decoded.Request is not { } request)
        {
            await RejectAsync(context, endpoint, started, new BodyRejection(StatusCodes.Status400BadRequest, decoded.Error!));
            return;
        }

        AdmissionDecision decision;
        var answer = new ArrayBufferWriter<byte>(512);
        using (request)
        {
            decision = Decide(endpoint, request);
            AdmissionResponseWriter.Write(answer, request.ApiVersion, request.Uid, decision);
        }

        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = answer.WrittenCount;
        await context.Response.Body.WriteAsync(answer.WrittenMemory, context.RequestAborted);
        telemetry.Answered(endpoint, request, decision, started);
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
            telemetry.Fault(e, request);
            return faults.For(endpoint);
        }
    }

    /// <summary>A one-line text answer instead of an AdmissionReview; counted and logged.</summary>
    private async Task RejectAsync(HttpContext context, AdmissionEndpoint endpoint, long started, BodyRejection rejection)
    {
        telemetry.Rejected(endpoint, rejection, started);
        context.Response.StatusCode = rejection.Status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        if (rejection.Status == StatusCodes.Status413PayloadTooLarge)
        {
            // The rest of the body will not be read: do not keep the connection for another request.
            context.Response.Headers.Connection = "close";
        }
        else if (rejection.Throttled)
        {
            context.Response.Headers.RetryAfter = "1";
        }

        await context.Response.WriteAsync(rejection.Reason + "\n", context.RequestAborted);
    }
}

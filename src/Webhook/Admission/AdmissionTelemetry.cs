using System.Collections.Concurrent;
using System.Diagnostics;
using DeadlineGuard.Json;
using DeadlineGuard.Observability;
using Prometheus;

namespace DeadlineGuard.Admission;

/// <summary>
/// What the admission endpoints count and log: each answer in <c>deadline_guard_admission_requests_total</c> and
/// <c>…_duration_seconds</c> by (endpoint, operation, decision), each violation by (field, action), each pitfall
/// reported by id, the one decision line per review (<see cref="DecisionLog"/>), and a line for every review
/// answered without a decision. The decision label is <see cref="OutcomeLabel"/>; a review refused before it was
/// decoded counts under operation <c>unknown</c> as <c>invalid</c>, <c>throttled</c> or (client gone) <c>aborted</c>.
/// </summary>
public sealed partial class AdmissionTelemetry(WebhookMetrics metrics, DecisionLog decisionLog, ILogger<AdmissionHandler> logger)
{
    private const string Unknown = "unknown";

    /// <summary>The series of each (endpoint, operation, decision), looked up once: a label lookup per request allocates.</summary>
    private readonly ConcurrentDictionary<(string Endpoint, string Operation, string Decision), (Counter.Child Requests, Histogram.Child Duration)> _series = new();

    /// <summary>A decided review, once its answer is written; <paramref name="started"/> is its <see cref="Stopwatch"/> timestamp.</summary>
    public void Answered(AdmissionEndpoint endpoint, AdmissionRequest request, AdmissionDecision decision, long started)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(decision);
        var elapsed = Stopwatch.GetElapsedTime(started);
        var name = Name(endpoint);
        var outcome = OutcomeLabel.Of(decision.Outcome);
        Count(name, request.Operation, outcome, elapsed);
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
            decisionLog.Write(name, request, outcome, decision.Violations, decision.Pitfalls, decision.Patch.Count, elapsed.TotalMilliseconds);
        }
    }

    /// <summary>A review answered with <paramref name="rejection"/> instead of a decision.</summary>
    public void Rejected(AdmissionEndpoint endpoint, BodyRejection rejection, long started)
    {
        ArgumentNullException.ThrowIfNull(rejection);
        var name = Name(endpoint);
        Count(name, Unknown, rejection.Throttled ? "throttled" : "invalid", Stopwatch.GetElapsedTime(started));
        if (rejection.Throttled)
        {
            LogThrottled(logger, name, rejection.Status, rejection.Reason);
        }
        else
        {
            LogInvalid(logger, rejection.Level, name, rejection.Status, rejection.Reason);
        }
    }

    /// <summary>The client went away before its body was read whole.</summary>
    public void AbortedMidBody(AdmissionEndpoint endpoint)
    {
        var name = Name(endpoint);
        metrics.Requests.WithLabels(name, Unknown, "aborted").Inc();
        LogAborted(logger, name);
    }

    /// <summary>The client went away at any other point (waiting for room, mid-answer, a stream reset): its fault, logged without a stack trace.</summary>
    public void ClientGone(AdmissionEndpoint endpoint, Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var name = Name(endpoint);
        metrics.Requests.WithLabels(name, Unknown, "aborted").Inc();
        LogClientGone(logger, name, JsonProblem.FirstLine(exception.Message));
    }

    /// <summary>Deciding <paramref name="request"/> failed inside the webhook; it is answered per <see cref="FaultAnswer"/>.</summary>
    public void Fault(Exception exception, AdmissionRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        LogFault(logger, exception, request.Uid, request.Display);
    }

    private static string Name(AdmissionEndpoint endpoint) => endpoint == AdmissionEndpoint.Mutate ? "mutate" : "validate";

    private void Count(string endpoint, string operation, string decision, TimeSpan elapsed)
    {
        var (requests, duration) = _series.GetOrAdd(
            (endpoint, operation, decision),
            static (key, m) => (m.Requests.WithLabels(key.Endpoint, key.Operation, key.Decision), m.Duration.WithLabels(key.Endpoint, key.Operation, key.Decision)),
            metrics);
        requests.Inc();
        duration.Observe(elapsed.TotalSeconds);
    }

    [LoggerMessage(EventId = 2, Message = "{Endpoint} answered {StatusCode}: {Reason}")]
    private static partial void LogInvalid(ILogger logger, LogLevel level, string endpoint, int statusCode, string reason);

    [LoggerMessage(EventId = 5, Level = LogLevel.Information, Message = "{Endpoint} answered {StatusCode}: {Reason}")]
    private static partial void LogThrottled(ILogger logger, string endpoint, int statusCode, string reason);

    [LoggerMessage(EventId = 6, Level = LogLevel.Debug, Message = "{Endpoint} request aborted by the client: {Reason}")]
    private static partial void LogClientGone(ILogger logger, string endpoint, string reason);

    [LoggerMessage(EventId = 4, Level = LogLevel.Debug, Message = "{Endpoint} request aborted by the client before its body was read")]
    private static partial void LogAborted(ILogger logger, string endpoint);

    [LoggerMessage(EventId = 7, Level = LogLevel.Error, Message = "Internal fault looking for pitfalls in {Uid} for {Rollout}; answered without them")]
    private static partial void LogPitfallFault(ILogger logger, Exception exception, string uid, string rollout);

    [LoggerMessage(EventId = 3, Level = LogLevel.Error, Message = "Internal fault deciding {Uid} for {Rollout}; answered per the failure policy")]
    private static partial void LogFault(ILogger logger, Exception exception, string uid, string rollout);
}

using System.Diagnostics;
using Serilog.Events;
using Serilog.Parsing;

namespace DeadlineGuard.Admission;

/// <summary>
/// The one structured event per decision (DESIGN §3), built directly as a Serilog event: the template is parsed
/// once and each field becomes its property as it is, without the generic route through
/// Microsoft.Extensions.Logging (boxing the values, converting each by type, copying the request's logging scope),
/// which cost more than the rest of the event. It goes through the host's Serilog pipeline (levels, overrides
/// by SourceContext, enrichers, sinks) like any other event, with the same SourceContext, event id and trace.
/// </summary>
public sealed class DecisionLog(Serilog.ILogger logger)
{
    public const string Template =
        "{Endpoint:l} {Uid:l} {Operation:l} {Namespace:l}/{Name:l} by {User:l} (dry run {DryRun}): {Decision:l}, violations {Violations}, {PatchOperations} patch operations, {DurationMs:0.000} ms";

    private static readonly MessageTemplate Parsed = new MessageTemplateParser().Parse(Template);

    /// <summary>The event id Microsoft.Extensions.Logging gave it, so that queries on it keep working.</summary>
    private static readonly LogEventProperty EventId = new("EventId", new StructureValue(
        [new LogEventProperty("Id", new ScalarValue(1)), new LogEventProperty("Name", new ScalarValue("LogDecision"))]));

    private static readonly ScalarValue True = new(true);
    private static readonly ScalarValue False = new(false);

    private readonly Serilog.ILogger _logger = logger.ForContext<AdmissionHandler>();

    public bool IsEnabled => _logger.IsEnabled(LogEventLevel.Information);

    public void Write(string endpoint, AdmissionRequest request, string decision, IReadOnlyList<Violation> violations, int patchOperations, double durationMs)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(violations);
        var messages = new LogEventPropertyValue[violations.Count];
        for (var i = 0; i < messages.Length; i++)
        {
            messages[i] = new ScalarValue(violations[i].Message);
        }

        var activity = Activity.Current; // the request's trace, as Serilog records it for any event
        _logger.Write(new LogEvent(
            DateTimeOffset.Now,
            LogEventLevel.Information,
            null,
            Parsed,
            [
                new LogEventProperty("Endpoint", new ScalarValue(endpoint)),
                new LogEventProperty("Uid", new ScalarValue(request.Uid)),
                new LogEventProperty("Operation", new ScalarValue(request.Operation)),
                new LogEventProperty("Namespace", new ScalarValue(request.Namespace)),
                new LogEventProperty("Name", new ScalarValue(request.Name)),
                new LogEventProperty("User", new ScalarValue(request.User)),
                new LogEventProperty("DryRun", request.DryRun ? True : False),
                new LogEventProperty("Decision", new ScalarValue(decision)),
                new LogEventProperty("Violations", new SequenceValue(messages)),
                new LogEventProperty("PatchOperations", new ScalarValue(patchOperations)),
                new LogEventProperty("DurationMs", new ScalarValue(durationMs)),
                EventId,
            ],
            activity?.TraceId ?? default,
            activity?.SpanId ?? default));
    }
}

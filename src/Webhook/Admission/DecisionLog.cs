using System.Diagnostics;
using DeadlineGuard.Pitfalls;
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
        "{Endpoint:l} {Uid:l} {Operation:l} {Namespace:l}/{Name:l} by {User:l} (dry run {DryRun}): {Decision:l}, violations {Violations}, pitfalls {Pitfalls}, {PatchOperations} patch operations, {DurationMs:0.000} ms";

    private static readonly MessageTemplate Parsed = new MessageTemplateParser().Parse(Template);

    /// <summary>The event id Microsoft.Extensions.Logging gave it, so that queries on it keep working.</summary>
    private static readonly LogEventProperty EventId = new("EventId", new StructureValue(
        [new LogEventProperty("Id", new ScalarValue(1)), new LogEventProperty("Name", new ScalarValue("LogDecision"))]));

    private static readonly ScalarValue True = new(true);
    private static readonly ScalarValue False = new(false);
    private static readonly SequenceValue NoPitfalls = new([]);

    /// <summary>The pitfall ids as log values, made once (ids are constants of the catalog).</summary>
    private static readonly Dictionary<string, ScalarValue> PitfallIds =
        PitfallCatalog.All.ToDictionary(d => d.Id, d => new ScalarValue(d.Id), StringComparer.Ordinal);

    private readonly Serilog.ILogger _logger = logger.ForContext<AdmissionHandler>();

    public bool IsEnabled => _logger.IsEnabled(LogEventLevel.Information);

    /// <param name="pitfalls">
    /// The pitfall check (docs/pitfalls.md): the ids reported in the answer are logged as <c>Pitfalls</c>; what could not
    /// be judged (a pod template behind a workloadRef), when anything, as <c>PitfallNotes</c>.
    /// </param>
    public void Write(
        string endpoint, AdmissionRequest request, string decision, IReadOnlyList<Violation> violations, PitfallReport pitfalls, int patchOperations, double durationMs)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(violations);
        ArgumentNullException.ThrowIfNull(pitfalls);
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
                new LogEventProperty("Pitfalls", pitfalls.Findings.Count == 0 ? NoPitfalls : PitfallSequence(pitfalls.Findings)),
                new LogEventProperty("PatchOperations", new ScalarValue(patchOperations)),
                new LogEventProperty("DurationMs", new ScalarValue(durationMs)),
                EventId,
                .. pitfalls.Notes.Count == 0 ? [] : new[] { new LogEventProperty("PitfallNotes", new SequenceValue(pitfalls.Notes.Select(n => new ScalarValue(n)))) },
            ],
            activity?.TraceId ?? default,
            activity?.SpanId ?? default));
    }

    private static SequenceValue PitfallSequence(IReadOnlyList<PitfallFinding> pitfalls)
    {
        var ids = new LogEventPropertyValue[pitfalls.Count];
        for (var i = 0; i < ids.Length; i++)
        {
            ids[i] = PitfallIds.TryGetValue(pitfalls[i].Id, out var id) ? id : new ScalarValue(pitfalls[i].Id);
        }

        return new SequenceValue(ids);
    }
}

namespace DeadlineGuard.Pitfalls;

/// <summary>Every pitfall id the detector can report, with its severity and title (docs/pitfalls.md).</summary>
public static class PitfallCatalog
{
    public const string UnknownIgnoredId = "DG100";
    public const string StaleScaleDownDeadline = "DG101";
    public const string NoReadinessProbe = "DG102";
    public const string DeadlineShorterThanStartup = "DG103";
    public const string IndefinitePause = "DG104";
    public const string TrafficRoutingSkipsDeadline = "DG105";

    public static IReadOnlyList<PitfallDefinition> All { get; } =
    [
        new(UnknownIgnoredId, PitfallSeverity.Low, "The ignore-pitfalls annotation names an id that is not in the catalog", false),
        new(StaleScaleDownDeadline, PitfallSeverity.High, "abortScaleDownDelaySeconds other than 0: a stale scale-down-deadline can block later deadlines", true),
        new(NoReadinessProbe, PitfallSeverity.High, "A container without readinessProbe: a version that runs but does not work completes", false),
        new(DeadlineShorterThanStartup, PitfallSeverity.Medium, "progressDeadlineSeconds shorter than the start-up the pod declares: a slow healthy start is aborted", false),
        new(IndefinitePause, PitfallSeverity.Medium, "An indefinite pause with no pause limit: the revision can wait for ever", false),
        new(TrafficRoutingSkipsDeadline, PitfallSeverity.Medium, "Canary with trafficRouting: a traffic-routing error skips Argo's deadline check", true),
    ];

    /// <summary>The entry for <paramref name="id"/>, matched ignoring case and surrounding spaces; null when unknown.</summary>
    public static PitfallDefinition? Find(string? id)
    {
        var trimmed = id?.Trim();
        return string.IsNullOrEmpty(trimmed) ? null : All.FirstOrDefault(d => string.Equals(d.Id, trimmed, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>The entry for a known id; throws for an id the detector does not define (a programming error).</summary>
    internal static PitfallDefinition Get(string id) =>
        Find(id) ?? throw new ArgumentOutOfRangeException(nameof(id), id, "not a catalogued pitfall id");
}

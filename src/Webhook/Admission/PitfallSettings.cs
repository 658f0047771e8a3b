namespace DeadlineGuard.Admission;

/// <summary>
/// Configuration section "Pitfalls": what the webhook is told of the reconciler, which decides the pitfalls it
/// reports at admission (docs/pitfalls.md). The chart sets both from its <c>reconciler</c> values.
/// </summary>
public sealed class PitfallSettings
{
    public const string Section = "Pitfalls";

    /// <summary>True when the companion reconciler runs (the chart's <c>reconciler.enabled</c>).</summary>
    public bool ReconcilerRunning { get; set; }

    /// <summary>The namespaces the reconciler watches (the chart's <c>reconciler.namespaces</c>); empty means all.</summary>
    public string[] ReconcilerNamespaces { get; set; } = [];
}

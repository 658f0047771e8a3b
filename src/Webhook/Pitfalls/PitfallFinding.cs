namespace DeadlineGuard.Pitfalls;

/// <summary>One pitfall found in one Rollout.</summary>
/// <remarks>
/// The explanation is written when first read, not when the pitfall is found: admission sends only the warning
/// line and never reads it; <c>review</c> does.
/// </remarks>
public sealed class PitfallFinding
{
    private readonly Func<string> _explain;
    private string? _explanation;

    /// <param name="id">The catalog id (<see cref="PitfallCatalog"/>).</param>
    /// <param name="severity">From the catalog.</param>
    /// <param name="warning">One line under 120 characters that starts with the id: an admission warning.</param>
    /// <param name="explain">Writes <see cref="Explanation"/>; called at most once per reader that asks, from plain values only.</param>
    public PitfallFinding(string id, PitfallSeverity severity, string warning, Func<string> explain)
    {
        Id = id;
        Severity = severity;
        Warning = warning;
        _explain = explain;
    }

    /// <summary>The catalog id (<see cref="PitfallCatalog"/>).</summary>
    public string Id { get; }

    /// <summary>From the catalog.</summary>
    public PitfallSeverity Severity { get; }

    /// <summary>One line under 120 characters that starts with the id: an admission warning.</summary>
    public string Warning { get; }

    /// <summary>What happens, why, and the fix, for <c>review</c>.</summary>
    public string Explanation => _explanation ??= _explain();

    public override string ToString() => Warning;
}

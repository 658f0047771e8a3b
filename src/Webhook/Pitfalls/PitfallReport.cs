namespace DeadlineGuard.Pitfalls;

/// <summary>What the detector found in one Rollout.</summary>
/// <param name="Findings">Reported pitfalls, most severe first, then by id; at most one per id.</param>
/// <param name="Suppressed">Pitfalls found but not reported (ignored, or covered by the reconciler), in the same order.</param>
/// <param name="Notes">
/// What could not be judged and why (a workloadRef template, a wrong-typed probe value), one line each,
/// for <c>review</c>. Never admission warnings by themselves.
/// </param>
public sealed record PitfallReport(IReadOnlyList<PitfallFinding> Findings, IReadOnlyList<SuppressedPitfall> Suppressed, IReadOnlyList<string> Notes)
{
    public static PitfallReport Empty { get; } = new([], [], []);

    public IEnumerable<string> Ids => Findings.Select(f => f.Id);
}

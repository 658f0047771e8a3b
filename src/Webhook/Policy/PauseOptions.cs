namespace DeadlineGuard.Policy;

/// <summary>
/// The limit on an indefinite pause (DESIGN.md §5), enforced by the reconciler: <paramref name="MaxSeconds"/> 0 is
/// off; <paramref name="Abort"/> false reports (Event and metric) without aborting.
/// </summary>
public sealed record PauseOptions(int MaxSeconds, bool Abort);

namespace DeadlineGuard.Pitfalls;

/// <summary>What the detector needs to know beyond the Rollout itself.</summary>
/// <param name="DeadlineSeconds">
/// The <c>progressDeadlineSeconds</c> in force after injection. Null: the Rollout's own value is read, and
/// Argo's 600 applies when it has none.
/// </param>
/// <param name="PauseLimitSeconds">
/// The pause limit in force for this Rollout (policy <c>pauses.maxSeconds</c>), 0 for none. Only the
/// reconciler enforces it: pass 0 when the chart runs without the reconciler.
/// </param>
/// <param name="ReconcilerCovers">
/// True when the deadline-guard reconciler watches this Rollout; pitfalls it covers (DG101, DG105) are then
/// suppressed. <c>review</c> passes false so that they are always shown.
/// </param>
/// <param name="IgnoredIds">The policy's <c>pitfalls.ignore</c> ids (matched ignoring case).</param>
public sealed record PitfallContext(int? DeadlineSeconds, int PauseLimitSeconds, bool ReconcilerCovers, IReadOnlyCollection<string> IgnoredIds)
{
    /// <summary>No injected deadline, no pause limit, no reconciler, nothing ignored: every pitfall is shown.</summary>
    public static PitfallContext Unprotected { get; } = new(null, 0, false, []);
}

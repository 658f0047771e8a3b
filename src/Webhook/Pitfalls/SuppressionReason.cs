namespace DeadlineGuard.Pitfalls;

/// <summary>Why a pitfall that was found is not reported.</summary>
public enum SuppressionReason
{
    /// <summary>The policy's <c>pitfalls.ignore</c> lists it.</summary>
    IgnoredByPolicy,

    /// <summary>The Rollout's <c>deadline-guard.io/ignore-pitfalls</c> annotation lists it.</summary>
    IgnoredByAnnotation,

    /// <summary>The reconciler enforces the deadline for this Rollout, so the pitfall does no harm.</summary>
    CoveredByReconciler,
}

namespace DeadlineGuard.Cli;

/// <summary>Where a paused Rollout stands with the policy's pause limit (<c>pauses.maxSeconds</c>), as the judge sees it.</summary>
public enum PauseLimitState
{
    /// <summary>No pause limit in force for the namespace (0).</summary>
    Off,

    /// <summary>A limit is in force, but this pause does not count: a person's, one Argo ends itself, an exempt Rollout...; the reason says which.</summary>
    NotCounted,

    /// <summary>An indefinite pause within the limit plus grace; due at the verdict's time.</summary>
    Counting,

    /// <summary>An indefinite pause past the limit plus grace: the reconciler acts on it.</summary>
    Exceeded,

    /// <summary>The pause data cannot be read (a wrong type, a missing startTime...): the reconciler leaves it alone.</summary>
    Unreadable,
}

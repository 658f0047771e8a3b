namespace DeadlineGuard.Reconciler;

/// <summary>What the judge concluded about one Rollout at one moment.</summary>
public enum VerdictKind
{
    /// <summary>Nothing to watch: not progressing, or excluded (paused, aborted, exempt, indefinite step...).</summary>
    Idle,

    /// <summary>Within its deadline or pause limit; judge again at <see cref="DeadlineVerdict.DueAt"/>.</summary>
    Waiting,

    /// <summary>Past its deadline (or its indefinite pause past the pause limit) plus grace: act.</summary>
    Exceeded,
}

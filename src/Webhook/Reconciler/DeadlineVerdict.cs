namespace DeadlineGuard.Reconciler;

/// <summary>What the judge concluded about one Rollout at one moment.</summary>
public enum VerdictKind
{
    /// <summary>Nothing to watch: not progressing, or excluded (paused, aborted, exempt, indefinite step...).</summary>
    Idle,

    /// <summary>Progressing and within its deadline; judge again at <see cref="DeadlineVerdict.DueAt"/>.</summary>
    Waiting,

    /// <summary>Past its deadline plus grace while still progressing: act.</summary>
    Exceeded,
}

/// <summary>
/// The judge's answer, with everything the action and its Event need to say: the deadline and abort in force (the
/// Rollout's current spec), and the deadline recorded when the revision started when there is one.
/// <see cref="RevisionKey"/> (what an action is keyed and its Event named by) is set on an exceeded verdict only.
/// </summary>
public sealed record DeadlineVerdict(
    VerdictKind Kind,
    string Reason,
    DateTimeOffset? DueAt = null,
    int DeadlineSeconds = 0,
    bool Abort = false,
    DateTimeOffset? ProgressSince = null,
    int? Revision = null,
    string RevisionKey = "",
    int? RecordedDeadlineSeconds = null)
{
    public static DeadlineVerdict Idle(string reason) => new(VerdictKind.Idle, reason);
}

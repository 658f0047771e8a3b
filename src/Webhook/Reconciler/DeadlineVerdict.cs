namespace DeadlineGuard.Reconciler;

/// <summary>
/// The judge's answer, with everything the action and its Event need to say. For a deadline (<see cref="Limit"/>
/// <see cref="LimitKind.Deadline"/>): the deadline and abort in force (the Rollout's current spec), and the deadline
/// recorded when the revision started when there is one. For a pause limit (<see cref="LimitKind.Pause"/>):
/// <see cref="Pause"/> says which pause, since when, under which limit, and <see cref="Abort"/> is the policy's
/// <c>pauses.abort</c>. <see cref="RevisionKey"/> (what an action is keyed and its Event named by) is set on an
/// exceeded verdict only. <see cref="Problem"/> is set when the Rollout was left alone because its pause data cannot be
/// read (the reason says what).
/// </summary>
public sealed record DeadlineVerdict(
    VerdictKind Kind,
    string Reason,
    DateTimeOffset? DueAt = null,
    int DeadlineSeconds = 0,
    bool Abort = false,
    DateTimeOffset? ProgressSince = null,
    long? Revision = null,
    string RevisionKey = "",
    int? RecordedDeadlineSeconds = null,
    LimitKind Limit = LimitKind.Deadline,
    IndefinitePause? Pause = null,
    PauseInputProblem? Problem = null)
{
    public static DeadlineVerdict Idle(string reason) => new(VerdictKind.Idle, reason);

    /// <summary>A paused Rollout the pause limit leaves alone (with the problem, when its pause data cannot be read).</summary>
    public static DeadlineVerdict IdlePause(string reason, PauseInputProblem? problem = null) =>
        new(VerdictKind.Idle, reason, Limit: LimitKind.Pause, Problem: problem);
}

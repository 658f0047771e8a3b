using DeadlineGuard.History;
using DeadlineGuard.Policy;
using DeadlineGuard.Reconciler;

namespace DeadlineGuard.Cli;

/// <summary>
/// One line of <c>status</c>: a Rollout as the reconciler sees it now (the deadline and abort in force, the progress
/// clock, when it falls due) with the verdict of the reconciler's own judge (<see cref="DeadlineJudge"/>), its pause
/// and where it stands with the pause limit, its pitfalls under the policy, and the history entry of its current revision. Made by a pure function of (snapshot, details, policy,
/// now, grace).
/// </summary>
public sealed record RolloutStatus(
    string Namespace,
    string Name,
    long? Revision,
    string? Phase,
    int DeadlineSeconds,
    bool DeadlineIsArgoDefault,
    bool Abort,
    DeadlineVerdict Verdict,
    RolloutPause? Pause,
    IReadOnlyList<string> Pitfalls,
    HistoryState History,
    RevisionEntry? Entry,
    IReadOnlyList<string> Images)
{
    public static RolloutStatus Of(RolloutSnapshot rollout, RolloutDetails details, DeadlinePolicy policy, DateTimeOffset now, int graceSeconds)
    {
        ArgumentNullException.ThrowIfNull(rollout);
        ArgumentNullException.ThrowIfNull(details);
        var verdict = DeadlineJudge.Judge(rollout, policy, now, graceSeconds);
        var fingerprint = TemplateFingerprint.Format(rollout.Fingerprint);
        var entry = rollout.History == HistoryState.Matched ? details.History.LastOrDefault(e => e.Fingerprint == fingerprint) : null;
        return new RolloutStatus(
            rollout.Namespace,
            rollout.Name,
            rollout.ArgoRevision ?? verdict.Revision,
            rollout.Phase,
            rollout.SpecDeadlineSeconds ?? DeadlineJudge.ArgoDefaultDeadlineSeconds,
            rollout.SpecDeadlineSeconds is null,
            rollout.SpecAbort,
            verdict,
            RolloutPause.Of(rollout, verdict, policy),
            RolloutPitfalls.UnderPolicy(rollout.Pitfalls, policy, rollout.Namespace).Ids,
            rollout.History,
            entry,
            details.Images.Count > 0 ? details.Images : entry?.Images ?? []);
    }

    /// <summary>Past its deadline or its pause limit: what the reconciler acts on, and what <c>--fail-on exceeded</c> counts.</summary>
    public bool Exceeded => Verdict.Kind == VerdictKind.Exceeded;

    /// <summary>Which limit the verdict times: the progress deadline or the pause limit while waiting or exceeded, none while idle.</summary>
    public string? Limit => Verdict.Kind == VerdictKind.Idle ? null : Verdict.Limit == LimitKind.Pause ? "pause" : "deadline";

    /// <summary>Seconds until the verdict falls due; negative once overdue; null without a due time.</summary>
    public long? DueInSeconds(DateTimeOffset now) => Verdict.DueAt is { } due ? (long)Math.Floor((due - now).TotalSeconds) : null;
}

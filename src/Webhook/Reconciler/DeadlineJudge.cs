using System.Globalization;
using System.Text.Json.Nodes;
using DeadlineGuard.Admission;
using DeadlineGuard.History;
using DeadlineGuard.Policy;

namespace DeadlineGuard.Reconciler;

/// <summary>
/// Decides whether a Rollout's current revision has overrun its deadline (DESIGN.md §5): a pure function
/// of (snapshot, policy, now, options), with no I/O, so it is tested as a table.
/// </summary>
public static class DeadlineJudge
{
    /// <summary>Argo's default when spec.progressDeadlineSeconds is unset (utils/defaults/defaults.go).</summary>
    public const int ArgoDefaultDeadlineSeconds = 600;

    /// <summary>Progressing reasons written when a revision moves or restarts (utils/conditions/conditions.go).</summary>
    private static readonly HashSet<string> ProgressReasons = new(StringComparer.Ordinal)
    {
        "ReplicaSetUpdated", "NewReplicaSetCreated", "FoundNewReplicaSet", "ReplicaSetNotAvailable", "RolloutResumed", "RolloutRetry",
    };

    /// <summary>Steps at which Argo itself suspends the timeout (sync.go isIndefiniteStep).</summary>
    private static readonly HashSet<string> IndefiniteSteps = new(StringComparer.Ordinal) { "pause", "analysis", "experiment" };

    public static DeadlineVerdict Judge(RolloutSnapshot rollout, DeadlinePolicy policy, DateTimeOffset now, int graceSeconds)
    {
        if (PolicyResolver.IsExemptNamespace(policy, rollout.Namespace))
        {
            return DeadlineVerdict.Idle("namespace is exempt");
        }

        if (rollout.StatusAbort)
        {
            return DeadlineVerdict.Idle("already aborted");
        }

        if (rollout.SpecPaused || rollout.PauseConditionCount > 0 || rollout.Condition("Paused")?.Status == "True")
        {
            return DeadlineVerdict.Idle("paused");
        }

        var progressing = rollout.Condition("Progressing");
        if (rollout.Phase is { } phase && phase != "Progressing")
        {
            return DeadlineVerdict.Idle($"phase is {phase}");
        }

        if (progressing is null || progressing.Status == "False" || progressing.Reason == "NewReplicaSetAvailable")
        {
            return DeadlineVerdict.Idle(progressing is null ? "no Progressing condition yet" : $"not progressing ({progressing.Reason})");
        }

        if (rollout.ObservedGeneration is { } observed && observed != rollout.Generation.ToString(CultureInfo.InvariantCulture) && rollout.Generation > 0)
        {
            return DeadlineVerdict.Idle("the controller has not observed this generation yet");
        }

        if (rollout.IsCanary && rollout.CurrentStepIndex is { } step && step < rollout.CanaryStepKinds.Count
            && IndefiniteSteps.Contains(rollout.CanaryStepKinds[step]))
        {
            return DeadlineVerdict.Idle($"at canary step {step} ({rollout.CanaryStepKinds[step]}), which Argo does not time out");
        }

        // Checked after the snapshot's fields: only a Rollout still in the running needs its object parsed, and
        // most Rollouts are idle for one of the reasons above (any of them makes it idle, in whatever order).
        var rolloutObject = rollout.Object;
        if (Exemption.Evaluate(policy, rollout.Namespace, rolloutObject).Exempt)
        {
            return DeadlineVerdict.Idle("exempt by annotation");
        }

        var entry = CurrentEntry(rolloutObject);
        var deadline = entry is not null ? entry.DeadlineSeconds ?? ArgoDefaultDeadlineSeconds : rollout.SpecDeadlineSeconds ?? ArgoDefaultDeadlineSeconds;
        var abort = entry?.Abort ?? rollout.SpecAbort;
        DateTimeOffset? since = entry?.At;
        if (ProgressReasons.Contains(progressing.Reason) && progressing.LastUpdateTime is { } moved && (since is null || moved > since))
        {
            since = moved;
        }

        if (since is not { } clock)
        {
            return DeadlineVerdict.Idle("no progress clock: no history entry and no Progressing time");
        }

        var due = clock.AddSeconds(deadline + graceSeconds);
        var revisionKey = $"{entry?.Fingerprint ?? rollout.CurrentPodHash ?? "spec"}@{clock.ToUnixTimeSeconds()}";
        var kind = now >= due ? VerdictKind.Exceeded : VerdictKind.Waiting;
        var reason = kind == VerdictKind.Exceeded
            ? $"no progress since {RevisionHistoryAnnotation.FormatTime(clock)}: {deadline}s deadline and {graceSeconds}s grace passed at {RevisionHistoryAnnotation.FormatTime(due)}"
            : $"progressing within its {deadline}s deadline";
        return new DeadlineVerdict(kind, reason, due, deadline, abort, clock, ArgoRevision(rolloutObject) ?? (entry?.Seq is { } seq and <= int.MaxValue ? (int)seq : null), revisionKey);
    }

    /// <summary>The history entry of the revision the Rollout now runs, recognised by its fingerprint; null when none matches.</summary>
    public static RevisionEntry? CurrentEntry(RolloutSnapshot rollout) => CurrentEntry(rollout.Object);

    private static RevisionEntry? CurrentEntry(JsonObject rollout)
    {
        var history = RolloutSnapshot.History(rollout);
        if (history.Count == 0)
        {
            return null;
        }

        var fingerprint = RevisionDetector.Fingerprint(rollout);
        for (var i = history.Count - 1; i >= 0; i--)
        {
            if (history[i].Fingerprint == fingerprint)
            {
                return history[i];
            }
        }

        return null;
    }

    private static int? ArgoRevision(JsonObject rollout) =>
        int.TryParse(Json.JsonValues.GetString(Json.JsonValues.At(rollout, "metadata", "annotations", "rollout.argoproj.io/revision")), NumberStyles.None, CultureInfo.InvariantCulture, out var revision)
            ? revision
            : null;
}

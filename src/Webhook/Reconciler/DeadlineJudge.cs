using System.Globalization;
using System.Runtime.CompilerServices;
using DeadlineGuard.History;
using DeadlineGuard.Policy;

namespace DeadlineGuard.Reconciler;

/// <summary>
/// Decides whether a Rollout's current revision has overrun its deadline (DESIGN.md §5): a pure function of
/// (snapshot, policy, now, grace), with no I/O and no parsing, so it is tested as a table.
/// </summary>
public static class DeadlineJudge
{
    /// <summary>Argo's default when spec.progressDeadlineSeconds is unset (utils/defaults/defaults.go).</summary>
    public const int ArgoDefaultDeadlineSeconds = 600;

    /// <summary>
    /// How far a history entry's <c>at</c> may lie after now or before the Rollout's creationTimestamp and still be
    /// trusted. The webhook records <c>at</c> during admission, before the API server stamps creationTimestamp (at most
    /// a webhook timeout, 30 s at the most, later), both in whole seconds, and the webhook's and the reconciler's
    /// clocks may differ a little. Beyond that the entry was not written by the webhook as it says.
    /// </summary>
    public static readonly TimeSpan ClockTolerance = TimeSpan.FromSeconds(30);

    /// <summary>Progressing reasons written when a revision moves or restarts (utils/conditions/conditions.go).</summary>
    private static readonly HashSet<string> ProgressReasons = new(StringComparer.Ordinal)
    {
        "ReplicaSetUpdated", "NewReplicaSetCreated", "FoundNewReplicaSet", "ReplicaSetNotAvailable", "RolloutResumed", "RolloutRetry",
    };

    /// <summary>Steps at which Argo itself suspends the timeout (sync.go isIndefiniteStep).</summary>
    private static readonly HashSet<string> IndefiniteSteps = new(StringComparer.Ordinal) { "pause", "analysis", "experiment" };

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static DeadlineVerdict Judge(RolloutSnapshot rollout, DeadlinePolicy policy, DateTimeOffset now, int graceSeconds)
    {
        if (rollout.Unreadable is { } unreadable)
        {
            return DeadlineVerdict.Idle($"left alone: the object cannot be read safely ({unreadable})");
        }

        if (PolicyResolver.IsExemptNamespace(policy, rollout.Namespace))
        {
            return DeadlineVerdict.Idle("namespace is exempt");
        }

        if (rollout.StatusAbort)
        {
            return DeadlineVerdict.Idle("already aborted");
        }

        if (rollout.SpecPaused || rollout.PauseConditions.Count > 0 || rollout.Paused?.Status == "True")
        {
            return DeadlineVerdict.Idle("paused");
        }

        if (rollout.Phase is { } phase && phase != "Progressing")
        {
            return DeadlineVerdict.Idle($"phase is {phase}");
        }

        if (rollout.Progressing is not { } progressing || progressing.Status == "False" || progressing.Reason == "NewReplicaSetAvailable")
        {
            return DeadlineVerdict.Idle(rollout.Progressing is { } p ? $"not progressing ({p.Reason})" : "no Progressing condition yet");
        }

        if (rollout.ObservedGeneration is { } observed && rollout.Generation > 0 && observed != rollout.Generation.ToString(CultureInfo.InvariantCulture))
        {
            return DeadlineVerdict.Idle("the controller has not observed this generation yet");
        }

        if (rollout.IsCanary && rollout.CurrentStepIndex is { } step && step >= 0 && step < rollout.CanarySteps.Count
            && IndefiniteSteps.Contains(rollout.CanarySteps[step].Kind))
        {
            return DeadlineVerdict.Idle($"at canary step {step} ({rollout.CanarySteps[step].Kind}), which Argo does not time out");
        }

        if (rollout.ExemptionKey != policy.Exemptions.Annotation)
        {
            // The informer lists again when the policy names another annotation; until then this snapshot cannot say.
            return DeadlineVerdict.Idle($"the policy's exemption annotation is now {policy.Exemptions.Annotation}; waiting for the relist that reads it");
        }

        if (IsExempt(policy, rollout))
        {
            return DeadlineVerdict.Idle("exempt by annotation");
        }

        // In force: the Rollout's current spec, as Argo reads it. The history entry says when the revision started.
        var deadline = rollout.SpecDeadlineSeconds ?? ArgoDefaultDeadlineSeconds;
        var abort = rollout.SpecAbort;
        var entry = rollout.Revision;
        var (since, distrust) = entry is { } e ? Trusted(e, rollout.CreationTimestamp, now) : (null, null);
        if (ProgressReasons.Contains(progressing.Reason) && progressing.LastUpdateTime is { } moved && (since is null || moved > since))
        {
            since = moved;
        }

        var note = distrust is null ? string.Empty : $"; {distrust}";
        if (since is not { } clock)
        {
            return DeadlineVerdict.Idle(entry is null
                ? "no progress clock: no history entry and no Progressing time"
                : $"no progress clock: no Progressing time{note}");
        }

        var due = clock.AddSeconds(deadline + graceSeconds);
        var identity = entry is not null ? TemplateFingerprint.Format(rollout.Fingerprint) : rollout.CurrentPodHash ?? "spec";
        var revisionKey = $"{identity}@{clock.ToUnixTimeSeconds()}";
        var kind = now >= due ? VerdictKind.Exceeded : VerdictKind.Waiting;
        var reason = kind == VerdictKind.Exceeded
            ? $"no progress since {RevisionHistoryAnnotation.FormatTime(clock)}: {deadline}s deadline and {graceSeconds}s grace passed at {RevisionHistoryAnnotation.FormatTime(due)}{note}"
            : $"progressing within its {deadline}s deadline{note}";
        return new DeadlineVerdict(kind, reason, due, deadline, abort, clock, rollout.ArgoRevision ?? entry?.Seq, revisionKey, entry?.DeadlineSeconds);
    }

    /// <summary>The entry's start, unless it lies in the future or before the Rollout existed (then why it is ignored).</summary>
    private static (DateTimeOffset? Since, string? Distrust) Trusted(RecordedRevision entry, DateTimeOffset? created, DateTimeOffset now)
    {
        var at = RevisionHistoryAnnotation.FormatTime(entry.At);
        if (entry.At > now + ClockTolerance)
        {
            return (null, $"history entry {entry.Seq} says the revision started at {at}, later than now: not trusted, timed from the Progressing condition");
        }

        if (created is { } c && entry.At < c - ClockTolerance)
        {
            return (null, $"history entry {entry.Seq} says the revision started at {at}, before the Rollout was created ({RevisionHistoryAnnotation.FormatTime(c)}): not trusted, timed from the Progressing condition");
        }

        return (entry.At, null);
    }

    /// <summary>As the webhook's exemption: the annotation honoured in the namespace, with a non-empty reason.</summary>
    private static bool IsExempt(DeadlinePolicy policy, RolloutSnapshot rollout) =>
        !string.IsNullOrWhiteSpace(rollout.ExemptionValue) && NamespaceGlob.MatchesAny(policy.Exemptions.AllowedIn, rollout.Namespace);
}

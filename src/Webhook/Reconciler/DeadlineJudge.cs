using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;
using DeadlineGuard.History;
using DeadlineGuard.Policy;

namespace DeadlineGuard.Reconciler;

/// <summary>
/// Decides whether a Rollout's current revision has overrun its deadline, or a pause the policy limits has overrun the
/// limit (<see cref="PauseLimitJudge"/>), DESIGN.md §5: a pure function of (snapshot, policy, now, grace), with no I/O
/// and no parsing, so it is tested as a table.
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

    // The common answers, made once: judging a fleet allocates next to nothing for the Rollouts it leaves alone.
    private static readonly DeadlineVerdict NamespaceExempt = DeadlineVerdict.Idle("namespace is exempt");
    private static readonly DeadlineVerdict AlreadyAborted = DeadlineVerdict.Idle("already aborted");
    private static readonly DeadlineVerdict NoProgressingCondition = DeadlineVerdict.Idle("no Progressing condition yet");
    private static readonly DeadlineVerdict NotObserved = DeadlineVerdict.Idle("the controller has not observed this generation yet");
    private static readonly DeadlineVerdict ExemptByAnnotation = DeadlineVerdict.Idle("exempt by annotation");
    private static readonly ConcurrentDictionary<string, DeadlineVerdict> PhaseVerdicts = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, DeadlineVerdict> NotProgressingVerdicts = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<int, string> WithinReasons = new();

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
            return NamespaceExempt;
        }

        if (rollout.StatusAbort)
        {
            return AlreadyAborted;
        }

        if (rollout.SpecPaused || rollout.PauseConditions.Count > 0 || rollout.Paused?.Status == "True" || (rollout.WrongTyped & WrongTypedFields.PauseConditions) != 0)
        {
            // Argo does not time a paused revision; the policy's pause limit may.
            return PauseLimitJudge.Judge(rollout, policy, now, graceSeconds);
        }

        if (rollout.Phase is { } phase && phase != "Progressing")
        {
            return Cached(PhaseVerdicts, phase, static p => $"phase is {p}");
        }

        if (rollout.Progressing is not { } progressing)
        {
            return NoProgressingCondition;
        }

        if (progressing.Status == "False" || progressing.Reason == "NewReplicaSetAvailable")
        {
            return Cached(NotProgressingVerdicts, progressing.Reason, static r => $"not progressing ({r})");
        }

        if (!IsObserved(rollout))
        {
            return NotObserved;
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
            return ExemptByAnnotation;
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

        var due = After(clock, (double)deadline + graceSeconds);
        if (now < due)
        {
            var within = note.Length == 0 ? WithinReasons.GetOrAdd(deadline, static d => $"progressing within its {d}s deadline") : $"progressing within its {deadline}s deadline{note}";
            return new DeadlineVerdict(VerdictKind.Waiting, within, due, deadline, abort, clock, rollout.ArgoRevision ?? entry?.Seq, RecordedDeadlineSeconds: entry?.DeadlineSeconds);
        }

        // The key of what is acted on: the revision (its fingerprint, or its ReplicaSet's hash without history) and the
        // progress clock; the Event's name derives from it, so it must stay the same across versions and restarts.
        var identity = entry is not null ? TemplateFingerprint.Format(rollout.Fingerprint) : rollout.CurrentPodHash ?? "spec";
        var revisionKey = $"{identity}@{clock.ToUnixTimeSeconds()}";
        var reason = $"no progress since {RevisionHistoryAnnotation.FormatTime(clock)}: {deadline}s deadline and {graceSeconds}s grace passed at {RevisionHistoryAnnotation.FormatTime(due)}{note}";
        return new DeadlineVerdict(VerdictKind.Exceeded, reason, due, deadline, abort, clock, rollout.ArgoRevision ?? entry?.Seq, revisionKey, entry?.DeadlineSeconds);
    }

    private static DeadlineVerdict Cached(ConcurrentDictionary<string, DeadlineVerdict> cache, string key, Func<string, string> reason) =>
        cache.TryGetValue(key, out var verdict) ? verdict
        : cache.Count < 256 ? cache.GetOrAdd(key, k => DeadlineVerdict.Idle(reason(k)))
        : DeadlineVerdict.Idle(reason(key));

    /// <summary>
    /// <paramref name="seconds"/> after <paramref name="since"/>, or the latest time there is when that lies beyond it (a
    /// start forged or skewed into the year 9999 must not throw in the loop).
    /// </summary>
    internal static DateTimeOffset After(DateTimeOffset since, double seconds)
    {
        var span = TimeSpan.FromSeconds(seconds);
        return since <= DateTimeOffset.MaxValue - span ? since + span : DateTimeOffset.MaxValue;
    }

    /// <summary>The controller has observed the current generation (or the status does not say which it observed).</summary>
    internal static bool IsObserved(RolloutSnapshot rollout) =>
        rollout.ObservedGeneration is not { } observed || rollout.Generation <= 0 || IsGeneration(observed, rollout.Generation);

    /// <summary>status.observedGeneration (text) is metadata.generation written out, compared without allocating.</summary>
    private static bool IsGeneration(string observed, long generation)
    {
        Span<char> text = stackalloc char[20];
        return generation.TryFormat(text, out var length, default, CultureInfo.InvariantCulture) && observed.AsSpan().SequenceEqual(text[..length]);
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
    internal static bool IsExempt(DeadlinePolicy policy, RolloutSnapshot rollout) =>
        !string.IsNullOrWhiteSpace(rollout.ExemptionValue) && NamespaceGlob.MatchesAny(policy.Exemptions.AllowedIn, rollout.Namespace);
}

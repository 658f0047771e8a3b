using System.Globalization;
using DeadlineGuard.History;
using DeadlineGuard.Policy;

namespace DeadlineGuard.Reconciler;

/// <summary>
/// The pause limit (DESIGN.md §5, policy <c>pauses.maxSeconds</c>): judges a Rollout that Argo has paused. Only an
/// <em>indefinite</em> pause counts, one that Argo will not end by itself (its rollout/pause.go and bluegreen.go):
/// <list type="bullet">
/// <item><c>BlueGreenPause</c> with <c>autoPromotionEnabled: false</c>. With auto-promotion on (the default) Argo
/// ends the pause itself: after <c>autoPromotionSeconds</c> when that is above 0 (<c>CompletedBlueGreenPause</c>),
/// at once otherwise (<c>needsBlueGreenControllerPause</c> is false, and the condition is removed);</item>
/// <item><c>CanaryPauseStep</c> at a step whose <c>pause</c> has no <c>duration</c> (<c>CompletedCanaryPauseStep</c>
/// ends a pause with a duration when it has elapsed); the step is <c>status.currentStepIndex</c>, 0 when unset, as
/// Argo's <c>GetCurrentCanaryStep</c> reads it;</item>
/// <item><c>InconclusiveAnalysisRun</c> (Go's <c>PauseReasonInconclusiveAnalysis</c>): only a person moves it on.</item>
/// </list>
/// Its age runs from its pause condition's <c>startTime</c>, which Argo writes once when it adds the condition, so
/// it survives restarts. Pure, like <see cref="DeadlineJudge"/>.
/// </summary>
public static class PauseLimitJudge
{
    public const string BlueGreenPause = "BlueGreenPause";
    public const string CanaryPauseStep = "CanaryPauseStep";
    public const string InconclusiveAnalysisRun = "InconclusiveAnalysisRun";

    private static readonly DeadlineVerdict PausedByPerson = DeadlineVerdict.IdlePause("paused by spec.paused: a person's pause is never limited");
    private static readonly DeadlineVerdict NoPauseCondition = DeadlineVerdict.IdlePause("paused, with no pause condition to time");
    private static readonly DeadlineVerdict NoLimit = DeadlineVerdict.IdlePause("paused; no pause limit in force (pauses.maxSeconds is 0)");
    private static readonly DeadlineVerdict NotObserved = DeadlineVerdict.IdlePause("paused; the controller has not observed this generation yet");
    private static readonly DeadlineVerdict ExemptByAnnotation = DeadlineVerdict.IdlePause("paused; exempt by annotation");

    /// <summary>
    /// The verdict on a paused Rollout (spec.paused, a pause condition, or a Paused condition that is True), after the
    /// checks that come first for every Rollout (readable, namespace not exempt, not aborted).
    /// </summary>
    public static DeadlineVerdict Judge(RolloutSnapshot rollout, DeadlinePolicy policy, DateTimeOffset now, int graceSeconds)
    {
        if (rollout.SpecPaused)
        {
            return PausedByPerson;
        }

        if (!DeadlineJudge.IsObserved(rollout))
        {
            return NotObserved;
        }

        if (rollout.ExemptionKey != policy.Exemptions.Annotation)
        {
            return DeadlineVerdict.IdlePause($"paused; the policy's exemption annotation is now {policy.Exemptions.Annotation}; waiting for the relist that reads it");
        }

        if (DeadlineJudge.IsExempt(policy, rollout))
        {
            return ExemptByAnnotation;
        }

        var (limit, abort) = PolicyResolver.PauseLimit(policy, rollout.Namespace);
        if (limit <= 0)
        {
            return NoLimit;
        }

        if ((rollout.WrongTyped & WrongTypedFields.PauseConditions) != 0)
        {
            return DeadlineVerdict.IdlePause("paused, left alone: status.pauseConditions is not a list", PauseInputProblem.WrongType);
        }

        PauseCondition? counted = null;
        string? notCounted = null;
        for (var i = 0; i < rollout.PauseConditions.Count; i++)
        {
            var condition = rollout.PauseConditions[i];
            var (indefinite, why, problem) = Classify(rollout, condition, i);
            if (problem is { } p)
            {
                return DeadlineVerdict.IdlePause($"paused ({Name(condition)}), left alone: {why}", p);
            }

            if (!indefinite)
            {
                notCounted ??= $"paused ({Name(condition)}), not an indefinite pause: {why}";
            }
            else if (counted is not { } c || condition.StartTime < c.StartTime)
            {
                counted = condition; // the oldest indefinite pause falls due first
            }
        }

        if (counted is not { StartTime: { } since } pause)
        {
            return notCounted is null ? NoPauseCondition : DeadlineVerdict.IdlePause(notCounted);
        }

        var due = DeadlineJudge.After(since, (double)limit + graceSeconds);
        var facts = new IndefinitePause(pause.Reason, since, limit);
        var revision = rollout.ArgoRevision ?? rollout.Revision?.Seq;
        var started = RevisionHistoryAnnotation.FormatTime(since);
        if (now < due)
        {
            return new DeadlineVerdict(
                VerdictKind.Waiting,
                $"paused ({pause.Reason}) since {started}; its {limit}s pause limit and {graceSeconds}s grace fall due at {RevisionHistoryAnnotation.FormatTime(due)}",
                due, Abort: abort, Revision: revision, Limit: LimitKind.Pause, Pause: facts);
        }

        return new DeadlineVerdict(
            VerdictKind.Exceeded,
            $"paused ({pause.Reason}) since {started}: its {limit}s pause limit and {graceSeconds}s grace passed at {RevisionHistoryAnnotation.FormatTime(due)}",
            due, Abort: abort, Revision: revision, RevisionKey: Key(pause.Reason, since), Limit: LimitKind.Pause, Pause: facts);
    }

    /// <summary>
    /// What an action on this pause is keyed by, and its Event named by: one per pause (its reason and start), so that a
    /// restart or a new leader recognises it; a new pause (a later revision, a second inconclusive run) is a new key.
    /// </summary>
    public static string Key(string reason, DateTimeOffset since) =>
        string.Create(CultureInfo.InvariantCulture, $"pause|{reason}@{since.ToUnixTimeSeconds()}");

    /// <summary>Whether Argo waits on this pause for ever (and if not, why), or what about it cannot be read.</summary>
    private static (bool Indefinite, string Why, PauseInputProblem? Problem) Classify(RolloutSnapshot rollout, PauseCondition condition, int index)
    {
        if (condition.Problem == PauseInputProblem.WrongType)
        {
            return (false, $"status.pauseConditions[{index}] is not an object with a string reason and a string startTime", PauseInputProblem.WrongType);
        }

        var (indefinite, why, problem) = condition.Reason switch
        {
            BlueGreenPause => BlueGreen(rollout),
            CanaryPauseStep => Canary(rollout),
            InconclusiveAnalysisRun => (true, string.Empty, null),
            _ => (false, "not a pause the limit covers (BlueGreenPause without auto-promotion, CanaryPauseStep at a pause without duration, InconclusiveAnalysisRun)", (PauseInputProblem?)null),
        };
        if (problem is not null || !indefinite)
        {
            return (indefinite, why, problem);
        }

        return condition.Problem switch
        {
            PauseInputProblem.MissingStartTime => (true, $"status.pauseConditions[{index}] has no startTime to time it from", PauseInputProblem.MissingStartTime),
            PauseInputProblem.UnparseableStartTime => (true, $"the startTime of status.pauseConditions[{index}] is not a time", PauseInputProblem.UnparseableStartTime),
            _ => (true, string.Empty, null),
        };
    }

    private static (bool, string, PauseInputProblem?) BlueGreen(RolloutSnapshot rollout)
    {
        if (rollout.Strategy != RolloutStrategy.BlueGreen)
        {
            return (false, "the Rollout has no blueGreen strategy", null);
        }

        if ((rollout.WrongTyped & WrongTypedFields.AutoPromotionEnabled) != 0)
        {
            return (false, "spec.strategy.blueGreen.autoPromotionEnabled is not true or false", PauseInputProblem.WrongType);
        }

        if (rollout.AutoPromotionEnabled == false)
        {
            return (true, string.Empty, null); // autoPromotionSeconds is ignored then (types.go)
        }

        if ((rollout.WrongTyped & WrongTypedFields.AutoPromotionSeconds) != 0)
        {
            return (false, "spec.strategy.blueGreen.autoPromotionSeconds is not a whole number", PauseInputProblem.WrongType);
        }

        return rollout.AutoPromotionSeconds is > 0
            ? (false, $"Argo promotes it after autoPromotionSeconds ({rollout.AutoPromotionSeconds})", null)
            : (false, "auto-promotion is on, so Argo promotes without waiting", null);
    }

    private static (bool, string, PauseInputProblem?) Canary(RolloutSnapshot rollout)
    {
        if (rollout.Strategy != RolloutStrategy.Canary)
        {
            return (false, "the Rollout has no canary strategy", null);
        }

        if ((rollout.WrongTyped & WrongTypedFields.CurrentStepIndex) != 0)
        {
            return (false, "status.currentStepIndex is not a whole number", PauseInputProblem.WrongType);
        }

        var index = rollout.CurrentStepIndex ?? 0;
        var steps = rollout.CanarySteps;
        if (index < 0 || index >= steps.Count)
        {
            return (false, $"status.currentStepIndex {index} names no step (spec.strategy.canary.steps has {steps.Count})", PauseInputProblem.StepIndexPastSteps);
        }

        var step = steps[index];
        return step.Kind != "pause" ? (false, $"step {index} is a {step.Kind} step, not a pause", null)
            : step.HasDuration ? (false, $"step {index} is a pause with a duration, which Argo ends itself", null)
            : (true, string.Empty, null);
    }

    private static string Name(PauseCondition condition) => condition.Reason.Length > 0 ? condition.Reason : "a pause condition";
}

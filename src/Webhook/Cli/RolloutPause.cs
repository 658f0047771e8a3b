using DeadlineGuard.Policy;
using DeadlineGuard.Reconciler;

namespace DeadlineGuard.Cli;

/// <summary>
/// Why a Rollout is paused, since when, and where it stands with the pause limit: a person's <c>spec.paused</c>, the
/// indefinite pause the judge timed (<see cref="PauseLimitJudge"/>), else Argo's first pause condition, or a Paused
/// condition that is True. <see cref="LimitSeconds"/> is the pause limit in force for the namespace (0 = off).
/// </summary>
public sealed record RolloutPause(string Reason, DateTimeOffset? Since, int LimitSeconds, PauseLimitState State)
{
    public const string SpecPaused = "spec.paused";

    /// <summary>The pause of <paramref name="rollout"/> as <paramref name="verdict"/> (the judge's, under <paramref name="policy"/>) judged it; null when not paused.</summary>
    public static RolloutPause? Of(RolloutSnapshot rollout, DeadlineVerdict verdict, DeadlinePolicy policy)
    {
        ArgumentNullException.ThrowIfNull(rollout);
        ArgumentNullException.ThrowIfNull(verdict);
        ArgumentNullException.ThrowIfNull(policy);
        var wrongTyped = (rollout.WrongTyped & WrongTypedFields.PauseConditions) != 0;
        if (!rollout.SpecPaused && rollout.PauseConditions.Count == 0 && rollout.Paused?.Status != "True" && !wrongTyped)
        {
            return null;
        }

        var limit = PolicyResolver.PauseLimit(policy, rollout.Namespace).MaxSeconds;
        if (verdict.Pause is { } timed)
        {
            var state = verdict.Kind == VerdictKind.Exceeded ? PauseLimitState.Exceeded : PauseLimitState.Counting;
            return new RolloutPause(timed.Reason, timed.Since, timed.LimitSeconds, state);
        }

        var untimed = verdict.Problem is not null ? PauseLimitState.Unreadable : limit <= 0 ? PauseLimitState.Off : PauseLimitState.NotCounted;
        if (rollout.SpecPaused)
        {
            return new RolloutPause(SpecPaused, null, limit, untimed);
        }

        if (rollout.PauseConditions.Count > 0)
        {
            var first = rollout.PauseConditions[0];
            return new RolloutPause(first.Reason.Length == 0 ? "(no reason)" : first.Reason, first.StartTime, limit, untimed);
        }

        return rollout.Paused is { Status: "True" } paused
            ? new RolloutPause("Paused condition", paused.LastUpdateTime, limit, untimed)
            : new RolloutPause("(unreadable pause conditions)", null, limit, untimed);
    }
}

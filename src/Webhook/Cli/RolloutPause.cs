using DeadlineGuard.Reconciler;

namespace DeadlineGuard.Cli;

/// <summary>
/// Why a Rollout is paused and since when: a person's <c>spec.paused</c>, Argo's first pause condition
/// (BlueGreenPause, CanaryPauseStep, InconclusiveAnalysis...), or a Paused condition that is True. The pause limit in
/// force (policy <c>pauses.maxSeconds</c>) is the judge's to say; <see cref="LimitSeconds"/> is null until it does.
/// </summary>
public sealed record RolloutPause(string Reason, DateTimeOffset? Since, int? LimitSeconds)
{
    public const string SpecPaused = "spec.paused";

    public static RolloutPause? Of(RolloutSnapshot rollout)
    {
        ArgumentNullException.ThrowIfNull(rollout);
        if (rollout.SpecPaused)
        {
            return new RolloutPause(SpecPaused, null, null);
        }

        if (rollout.PauseConditions.Count > 0)
        {
            var first = rollout.PauseConditions[0];
            return new RolloutPause(first.Reason.Length == 0 ? "(no reason)" : first.Reason, first.StartTime, null);
        }

        return rollout.Paused is { Status: "True" } paused ? new RolloutPause("Paused condition", paused.LastUpdateTime, null) : null;
    }
}

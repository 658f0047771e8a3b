namespace DeadlineGuard.Reconciler;

/// <summary>One entry of status.pauseConditions (types.go PauseCondition): why the Rollout is paused and since when.</summary>
public readonly record struct PauseCondition(string Reason, DateTimeOffset? StartTime);

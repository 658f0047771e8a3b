namespace DeadlineGuard.Reconciler;

/// <summary>
/// One entry of status.pauseConditions (types.go PauseCondition): why the Rollout is paused and since when, and what
/// about the entry cannot be read (<see cref="PauseInputProblem.MissingStartTime"/>,
/// <see cref="PauseInputProblem.UnparseableStartTime"/> or <see cref="PauseInputProblem.WrongType"/>), if anything.
/// </summary>
public readonly record struct PauseCondition(string Reason, DateTimeOffset? StartTime, PauseInputProblem? Problem = null);

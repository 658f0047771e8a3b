namespace DeadlineGuard.Reconciler;

/// <summary>
/// The indefinite pause a pause-limit verdict is about: Argo's pause reason (types.go PauseReason), when its pause
/// condition started, and the limit in force for the Rollout's namespace.
/// </summary>
public sealed record IndefinitePause(string Reason, DateTimeOffset Since, int LimitSeconds);

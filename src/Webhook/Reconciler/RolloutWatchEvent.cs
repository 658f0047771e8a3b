namespace DeadlineGuard.Reconciler;

/// <summary>
/// One event of a Rollout watch: the Rollout's snapshot (ADDED, MODIFIED, DELETED), the resourceVersion to resume
/// from (every event that carries one), the Status of an ERROR, or why an object could not be read.
/// </summary>
public sealed record RolloutWatchEvent(WatchEventKind Kind, RolloutSnapshot? Rollout, string? ResourceVersion, ApiStatusException? Error = null, string? Problem = null);

namespace DeadlineGuard.Reconciler;

/// <summary>
/// The one entry of the revision history (DESIGN.md §4) that a snapshot keeps: the entry of the revision the Rollout
/// runs now, recognised by its fingerprint. It tells when that revision started and what was in force then.
/// </summary>
public readonly record struct RecordedRevision(long Seq, DateTimeOffset At, int? DeadlineSeconds, bool Abort);

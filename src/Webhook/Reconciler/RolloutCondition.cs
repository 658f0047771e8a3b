namespace DeadlineGuard.Reconciler;

/// <summary>What the judge reads of one Rollout condition (types.go RolloutCondition): status, reason and lastUpdateTime.</summary>
public readonly record struct RolloutCondition(string Status, string Reason, DateTimeOffset? LastUpdateTime);

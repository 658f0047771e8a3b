namespace DeadlineGuard.Reconciler;

/// <summary>
/// What the informers tell the reconciler's loop, always as snapshots: a page of a list (the first page of a list or
/// relist starts it; after its last page, Rollouts of the scope that no page of it named are gone), a Rollout added or
/// changed, a Rollout deleted; and, not from an informer, a new policy.
/// </summary>
public abstract record RolloutChange
{
    /// <param name="Scope">The namespace listed, or null for the whole cluster.</param>
    /// <param name="Items">The Rollouts of this page.</param>
    /// <param name="First">The first page of a list.</param>
    /// <param name="Last">The last page: the list is complete.</param>
    /// <param name="Remaining">How many items the API server says are still to come (metadata.remainingItemCount), when it says.</param>
    public sealed record Listed(string? Scope, IReadOnlyList<RolloutSnapshot> Items, bool First, bool Last, long? Remaining = null) : RolloutChange;

    public sealed record Upserted(RolloutSnapshot Rollout) : RolloutChange;

    public sealed record Deleted(RolloutSnapshot Rollout) : RolloutChange;

    /// <summary>Not from a watch: the policy changed, so every Rollout is judged again.</summary>
    public sealed record PolicyChanged : RolloutChange;
}

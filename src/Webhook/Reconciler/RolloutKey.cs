namespace DeadlineGuard.Reconciler;

/// <summary>A Rollout's identity in the cache: its namespace and name (the namespace string is shared through the decoder's pool).</summary>
public readonly record struct RolloutKey(string Namespace, string Name)
{
    public override string ToString() => $"{Namespace}/{Name}";
}

namespace DeadlineGuard.Admission;

/// <summary>What /mutate adds to a Rollout's spec: each field only where it is absent; null means nothing to add.</summary>
public readonly record struct DeadlineInjection(int? Seconds, bool? Abort)
{
    public bool IsEmpty => Seconds is null && Abort is null;
}

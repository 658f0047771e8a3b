using DeadlineGuard.History;
using DeadlineGuard.Policy;

namespace DeadlineGuard.Admission;

/// <summary>Decides which deadline fields a Rollout lacks and gets. Never changes a value the Rollout already has.</summary>
public static class RolloutMutator
{
    /// <summary>The fields to add: none unless the policy injects and spec is an object; each only where absent (a null counts as present).</summary>
    public static DeadlineInjection Plan(RolloutView rollout, EffectivePolicy policy)
    {
        if (!policy.Inject || !rollout.HasSpecObject)
        {
            return default;
        }

        var seconds = rollout.TryGetSpecField("progressDeadlineSeconds", out _)
            ? null
            : DeadlineToInject(policy, RolloutDeadlineFields.MinReadySecondsOf(rollout));
        bool? abort = rollout.TryGetSpecField("progressDeadlineAbort", out _) ? null : policy.DefaultAbort;
        return new DeadlineInjection(seconds, abort);
    }

    /// <summary>
    /// The default, unless Argo would reject it for not exceeding minReadySeconds; then the smallest
    /// compliant value within bounds; null when none exists (validation then explains why).
    /// </summary>
    public static int? DeadlineToInject(EffectivePolicy policy, int minReadySeconds)
    {
        if (policy.DefaultSeconds > minReadySeconds)
        {
            return policy.DefaultSeconds;
        }

        var smallest = Math.Max(policy.MinSeconds, (long)minReadySeconds + 1);
        return smallest <= policy.MaxSeconds ? (int)smallest : null;
    }
}

using System.Text.Json.Nodes;
using DeadlineGuard.Policy;

namespace DeadlineGuard.Admission;

/// <summary>Adds the deadline fields a Rollout lacks. Never changes a value the Rollout already has.</summary>
public static class RolloutMutator
{
    /// <summary>Writes the missing fields into <paramref name="rollout"/>; returns what it added.</summary>
    public static IReadOnlyList<string> InjectDeadline(JsonObject rollout, EffectivePolicy policy)
    {
        if (!policy.Inject || rollout["spec"] is not JsonObject spec)
        {
            return [];
        }

        var added = new List<string>(2);
        if (!spec.ContainsKey("progressDeadlineSeconds")
            && DeadlineToInject(policy, RolloutDeadlineFields.MinReadySecondsOf(spec)) is { } seconds)
        {
            spec["progressDeadlineSeconds"] = seconds;
            added.Add(RolloutDeadlineFields.DeadlineField);
        }

        if (!spec.ContainsKey("progressDeadlineAbort"))
        {
            spec["progressDeadlineAbort"] = policy.DefaultAbort;
            added.Add(RolloutDeadlineFields.AbortField);
        }

        return added;
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

    public static bool NeedsInjection(JsonObject rollout, EffectivePolicy policy) =>
        policy.Inject && rollout["spec"] is JsonObject spec
        && (!spec.ContainsKey("progressDeadlineSeconds") || !spec.ContainsKey("progressDeadlineAbort"));
}

namespace DeadlineGuard.Policy;

/// <summary>How a policy applies to one Rollout's namespace.</summary>
public static class PolicyResolver
{
    /// <summary>True when the namespace is listed under exemptions.namespaces: such Rollouts are never evaluated.</summary>
    public static bool IsExemptNamespace(DeadlinePolicy policy, string @namespace) =>
        NamespaceGlob.MatchesAny(policy.Exemptions.Namespaces, @namespace);

    /// <summary>The policy with the first override whose namespace globs match applied on top.</summary>
    public static EffectivePolicy Resolve(DeadlinePolicy policy, string @namespace)
    {
        for (var i = 0; i < policy.Overrides.Count; i++)
        {
            var rule = policy.Overrides[i];
            if (NamespaceGlob.MatchesAny(rule.Namespaces, @namespace))
            {
                return Apply(policy, rule, i);
            }
        }

        return Base(policy);
    }

    public static EffectivePolicy Base(DeadlinePolicy policy) => new(
        policy.Inject,
        policy.Defaults.ProgressDeadlineSeconds,
        policy.Defaults.ProgressDeadlineAbort,
        policy.Bounds.MinSeconds,
        policy.Bounds.MaxSeconds,
        policy.RequireAbort,
        policy.Action,
        OverrideIndex: null);

    public static EffectivePolicy Apply(DeadlinePolicy policy, PolicyOverride rule, int index) => new(
        rule.Inject ?? policy.Inject,
        rule.DefaultSeconds ?? policy.Defaults.ProgressDeadlineSeconds,
        rule.DefaultAbort ?? policy.Defaults.ProgressDeadlineAbort,
        rule.MinSeconds ?? policy.Bounds.MinSeconds,
        rule.MaxSeconds ?? policy.Bounds.MaxSeconds,
        rule.RequireAbort ?? policy.RequireAbort,
        rule.Action ?? policy.Action,
        index);
}

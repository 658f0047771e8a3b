namespace DeadlineGuard.Policy;

/// <summary>How a policy applies to one Rollout's namespace.</summary>
public static class PolicyResolver
{
    /// <summary>True when the namespace is listed under exemptions.namespaces: such Rollouts are never evaluated.</summary>
    public static bool IsExemptNamespace(DeadlinePolicy policy, string @namespace) =>
        NamespaceGlob.MatchesAny(policy.Exemptions.Namespaces, @namespace);

    /// <summary>The policy with the first override whose namespace globs match applied on top.</summary>
    public static EffectivePolicy Resolve(DeadlinePolicy policy, string @namespace) =>
        FirstMatch(policy, @namespace) is var i and >= 0 ? Apply(policy, policy.Overrides[i], i) : Base(policy);

    /// <summary>
    /// The pause limit in force for the namespace (as <see cref="Resolve"/> gives it), without allocating: the reconciler
    /// asks for every paused Rollout at every judgement.
    /// </summary>
    public static (int MaxSeconds, bool Abort) PauseLimit(DeadlinePolicy policy, string @namespace)
    {
        var i = FirstMatch(policy, @namespace);
        return i < 0
            ? (policy.Pauses.MaxSeconds, policy.Pauses.Abort)
            : (policy.Overrides[i].PauseMaxSeconds ?? policy.Pauses.MaxSeconds, policy.Overrides[i].PauseAbort ?? policy.Pauses.Abort);
    }

    public static EffectivePolicy Base(DeadlinePolicy policy) => new(
        policy.Inject,
        policy.Defaults.ProgressDeadlineSeconds,
        policy.Defaults.ProgressDeadlineAbort,
        policy.Bounds.MinSeconds,
        policy.Bounds.MaxSeconds,
        policy.RequireAbort,
        policy.Action,
        OverrideIndex: null,
        policy.Pauses.MaxSeconds,
        policy.Pauses.Abort);

    public static EffectivePolicy Apply(DeadlinePolicy policy, PolicyOverride rule, int index) => new(
        rule.Inject ?? policy.Inject,
        rule.DefaultSeconds ?? policy.Defaults.ProgressDeadlineSeconds,
        rule.DefaultAbort ?? policy.Defaults.ProgressDeadlineAbort,
        rule.MinSeconds ?? policy.Bounds.MinSeconds,
        rule.MaxSeconds ?? policy.Bounds.MaxSeconds,
        rule.RequireAbort ?? policy.RequireAbort,
        rule.Action ?? policy.Action,
        index,
        rule.PauseMaxSeconds ?? policy.Pauses.MaxSeconds,
        rule.PauseAbort ?? policy.Pauses.Abort);

    /// <summary>The index of the first override whose namespace globs match; -1 when none does.</summary>
    private static int FirstMatch(DeadlinePolicy policy, string @namespace)
    {
        for (var i = 0; i < policy.Overrides.Count; i++)
        {
            if (NamespaceGlob.MatchesAny(policy.Overrides[i].Namespaces, @namespace))
            {
                return i;
            }
        }

        return -1;
    }
}

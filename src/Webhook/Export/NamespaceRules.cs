using DeadlineGuard.Policy;

namespace DeadlineGuard.Export;

/// <summary>
/// The policy's per-namespace choices as CEL: which override applies (the first whose globs match, as
/// <see cref="PolicyResolver.Resolve"/>), and the value each setting takes there.
/// </summary>
public sealed class NamespaceRules
{
    /// <summary>The effective policy with no override first, then under each override in order.</summary>
    private readonly List<EffectivePolicy> _effective;

    /// <summary>Each override's globs as one RE2 expression; null for an override that lists no namespace (it matches none).</summary>
    private readonly List<string?> _overrideRegexes;

    public NamespaceRules(DeadlinePolicy policy)
    {
        Policy = policy;
        _effective = [PolicyResolver.Base(policy), .. policy.Overrides.Select((rule, i) => PolicyResolver.Apply(policy, rule, i))];
        _overrideRegexes = policy.Overrides
            .Select((rule, i) => rule.Namespaces.Count == 0 ? null : CelText.GlobsRegex(rule.Namespaces, $"spec.overrides[{i}].namespaces"))
            .ToList();
        ExemptRegex = policy.Exemptions.Namespaces.Count == 0 ? null : CelText.GlobsRegex(policy.Exemptions.Namespaces, "spec.exemptions.namespaces");
        AllowedInRegex = policy.Exemptions.AllowedIn.Count == 0 ? null : CelText.GlobsRegex(policy.Exemptions.AllowedIn, "spec.exemptions.allowedIn");
    }

    public DeadlinePolicy Policy { get; }

    /// <summary>spec.exemptions.namespaces as RE2; null when the list is empty.</summary>
    public string? ExemptRegex { get; }

    /// <summary>spec.exemptions.allowedIn as RE2; null when the list is empty (the annotation is honoured nowhere).</summary>
    public string? AllowedInRegex { get; }

    public bool HasOverrides => _overrideRegexes.Any(r => r is not null);

    /// <summary>The distinct effective values of a setting, in the order they first appear (no override first).</summary>
    public IReadOnlyList<T> Distinct<T>(Func<EffectivePolicy, T> setting) => Reachable().Select(setting).Distinct().ToList();

    /// <summary>
    /// CEL for the index of the first override that applies to <paramref name="namespaceName"/>, or -1 for none
    /// (overrides that list no namespace are left out: they never apply).
    /// </summary>
    public string OverrideIndex(string namespaceName)
    {
        var chain = "-1";
        for (var i = _overrideRegexes.Count - 1; i >= 0; i--)
        {
            if (_overrideRegexes[i] is { } regex)
            {
                chain = $"{namespaceName}.matches({CelText.Quote(regex)}) ? {CelText.Int(i)} : {chain}";
            }
        }

        return chain;
    }

    /// <summary>
    /// CEL for a setting's value given the override index variable <paramref name="overrideIndex"/>: a literal
    /// when every namespace has the same value, else a list of the values indexed by it.
    /// </summary>
    public string Value<T>(Func<EffectivePolicy, T> setting, Func<T, string> literal, string overrideIndex)
    {
        if (Distinct(setting).Count == 1)
        {
            return literal(setting(_effective[0]));
        }

        return "[" + string.Join(", ", _effective.Select(e => literal(setting(e)))) + $"][{overrideIndex} + 1]";
    }

    /// <summary>
    /// CEL that is true for the namespaces (<paramref name="namespaceName"/>) where <paramref name="holds"/> is
    /// true of the effective policy: a chain over the overrides, first match wins. Null when it holds everywhere.
    /// </summary>
    public string? Where(Func<EffectivePolicy, bool> holds, string namespaceName)
    {
        if (Reachable().All(holds))
        {
            return null;
        }

        var chain = CelText.Bool(holds(_effective[0]));
        for (var i = _overrideRegexes.Count - 1; i >= 0; i--)
        {
            if (_overrideRegexes[i] is { } regex)
            {
                chain = $"{namespaceName}.matches({CelText.Quote(regex)}) ? {CelText.Bool(holds(_effective[i + 1]))} : {chain}";
            }
        }

        return chain;
    }

    /// <summary>True when <paramref name="holds"/> is false of the policy in every namespace.</summary>
    public bool Nowhere(Func<EffectivePolicy, bool> holds) => !Reachable().Any(holds);

    /// <summary>The effective policies some namespace can get: no override, and each override that lists a namespace.</summary>
    private IEnumerable<EffectivePolicy> Reachable()
    {
        yield return _effective[0];
        for (var i = 0; i < _overrideRegexes.Count; i++)
        {
            if (_overrideRegexes[i] is not null)
            {
                yield return _effective[i + 1];
            }
        }
    }
}

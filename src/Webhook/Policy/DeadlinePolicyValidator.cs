using System.Text.RegularExpressions;
using DeadlineGuard.Pitfalls;
using FluentValidation;

namespace DeadlineGuard.Policy;

/// <summary>
/// The rules a policy must satisfy beyond what policy.schema.json says of each field (<see cref="PolicySchema"/>): rules
/// between fields, and the two the schema cannot state (an annotation key's lengths, pitfall ids as the catalog matches
/// them). Property names are the file's dotted paths.
/// </summary>
public sealed partial class DeadlinePolicyValidator : AbstractValidator<DeadlinePolicy>
{
    public DeadlinePolicyValidator()
    {
        RuleFor(p => p.Bounds.MaxSeconds).GreaterThanOrEqualTo(p => p.Bounds.MinSeconds)
            .OverridePropertyName("spec.bounds.maxSeconds")
            .WithMessage(p => $"must not be below spec.bounds.minSeconds ({p.Bounds.MinSeconds}), found {p.Bounds.MaxSeconds}");
        RuleFor(p => p)
            .Must(p => InBounds(p.Defaults.ProgressDeadlineSeconds, p.Bounds.MinSeconds, p.Bounds.MaxSeconds))
            .OverridePropertyName("spec.defaults.progressDeadlineSeconds")
            .WithMessage(p => $"must lie within the bounds [{p.Bounds.MinSeconds}, {p.Bounds.MaxSeconds}], found {p.Defaults.ProgressDeadlineSeconds}");
        RuleFor(p => p)
            .Must(p => !(p.Inject && p.RequireAbort && !p.Defaults.ProgressDeadlineAbort))
            .OverridePropertyName("spec.defaults.progressDeadlineAbort")
            .WithMessage("is false while spec.requireAbort is true: every injected Rollout would then violate the policy");
        RuleFor(p => p.Exemptions.Annotation)
            .Must(IsQualifiedName)
            .OverridePropertyName("spec.exemptions.annotation")
            .WithMessage(p => $"must be a Kubernetes annotation key such as deadline-guard.io/exempt, found \"{p.Exemptions.Annotation}\"");
        RuleFor(p => p).Custom((policy, context) =>
        {
            for (var i = 0; i < policy.Pitfalls.Ignore.Count; i++)
            {
                var id = policy.Pitfalls.Ignore[i];
                if (PitfallCatalog.Find(id) is null)
                {
                    context.AddFailure($"spec.pitfalls.ignore[{i}]", $"{Quoted(id)} is not a pitfall id; known ids: {KnownPitfallIds}");
                }
            }
        });
        RuleFor(p => p).Custom((policy, context) =>
        {
            for (var i = 0; i < policy.Overrides.Count; i++)
            {
                foreach (var (field, message) in OverrideProblems(policy, i))
                {
                    context.AddFailure($"spec.overrides[{i}]{field}", message);
                }
            }
        });
    }

    /// <summary>A text as JSON writes it (escaped, on one line), clipped to 40 characters.</summary>
    private static string Quoted(string text)
    {
        var json = System.Text.Json.Nodes.JsonValue.Create(text).ToJsonString();
        return json.Length <= 40 ? json : string.Concat(json.AsSpan(0, 40), "…");
    }

    private static string KnownPitfallIds => string.Join(", ", PitfallCatalog.All.Select(d => d.Id));

    private static bool InBounds(int value, int min, int max) => value >= min && value <= max;

    /// <summary>An override is checked as the policy it produces for its namespaces.</summary>
    private static IEnumerable<(string Field, string Message)> OverrideProblems(DeadlinePolicy policy, int index)
    {
        var effective = PolicyResolver.Apply(policy, policy.Overrides[index], index);
        if (effective.MaxSeconds < effective.MinSeconds)
        {
            yield return (".bounds", $"make maxSeconds {effective.MaxSeconds} lower than minSeconds {effective.MinSeconds}");
        }
        else if (!InBounds(effective.DefaultSeconds, effective.MinSeconds, effective.MaxSeconds))
        {
            yield return (".defaults.progressDeadlineSeconds",
                $"the default {effective.DefaultSeconds} falls outside this override's bounds [{effective.MinSeconds}, {effective.MaxSeconds}]; set defaults.progressDeadlineSeconds in the override");
        }

        if (effective.Inject && effective.RequireAbort && !effective.DefaultAbort)
        {
            yield return (".defaults.progressDeadlineAbort", "is false while requireAbort is true for these namespaces");
        }
    }

    // Kubernetes qualified name: optional DNS-subdomain prefix and '/', then a name of at most 63 characters.
    private static bool IsQualifiedName(string key)
    {
        var slash = key.LastIndexOf('/');
        var name = slash < 0 ? key : key[(slash + 1)..];
        if (slash >= 0)
        {
            var prefix = key[..slash];
            if (prefix.Length is 0 or > 253 || !DnsSubdomain().IsMatch(prefix))
            {
                return false;
            }
        }

        return name.Length is > 0 and <= 63 && QualifiedNamePart().IsMatch(name);
    }

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex DnsSubdomain();

    [GeneratedRegex("^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")]
    private static partial Regex QualifiedNamePart();
}

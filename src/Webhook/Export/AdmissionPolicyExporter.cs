using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using DeadlineGuard.Policy;

namespace DeadlineGuard.Export;

/// <summary>
/// <c>webhook export-policy</c>'s work as a pure function: a DeadlinePolicy in, ValidatingAdmissionPolicies,
/// a MutatingAdmissionPolicy, their bindings and a header out. A part of the policy or an option that the
/// export cannot express faithfully is an <see cref="ExportException"/> naming it, never an approximation.
/// </summary>
public static partial class AdmissionPolicyExporter
{
    /// <summary>
    /// Every member of <see cref="DeadlinePolicy"/> and <see cref="PolicyOverride"/>, with where the export
    /// carries it. A member added to the policy without a line here fails a test until the export decides.
    /// </summary>
    public static IReadOnlyDictionary<string, string> PolicyFields { get; } = new Dictionary<string, string>
    {
        [$"{nameof(DeadlinePolicy)}.{nameof(DeadlinePolicy.Inject)}"] = "the MutatingAdmissionPolicy's injection-on-in-namespace matchCondition",
        [$"{nameof(DeadlinePolicy)}.{nameof(DeadlinePolicy.Defaults)}"] = "the MutatingAdmissionPolicy's defaultSeconds and defaultAbort",
        [$"{nameof(DeadlinePolicy)}.{nameof(DeadlinePolicy.Bounds)}"] = "minSeconds and maxSeconds of both kinds of policy",
        [$"{nameof(DeadlinePolicy)}.{nameof(DeadlinePolicy.RequireAbort)}"] = "the validating policies' requireAbort",
        [$"{nameof(DeadlinePolicy)}.{nameof(DeadlinePolicy.Action)}"] = "one ValidatingAdmissionPolicy and binding per action",
        [$"{nameof(DeadlinePolicy)}.{nameof(DeadlinePolicy.Exemptions)}"] = "matchConditions and the -exemptions policy",
        [$"{nameof(DeadlinePolicy)}.{nameof(DeadlinePolicy.Overrides)}"] = "the overrideIndex variable and the per-namespace values",
        [$"{nameof(DeadlinePolicy)}.{nameof(DeadlinePolicy.History)}"] = "not exportable: the header says so",
        [$"{nameof(DeadlinePolicy)}.{nameof(DeadlinePolicy.Pauses)}"] = "not exportable (the reconciler enforces it): the header names the limit",
        [$"{nameof(DeadlinePolicy)}.{nameof(DeadlinePolicy.Pitfalls)}"] = "not exportable (no pitfall warnings at all): the header names the ignore list",
        [$"{nameof(PolicyOverride)}.{nameof(PolicyOverride.Namespaces)}"] = "RE2 over the namespace name",
        [$"{nameof(PolicyOverride)}.{nameof(PolicyOverride.Action)}"] = "the action-is-ACTION matchConditions",
        [$"{nameof(PolicyOverride)}.{nameof(PolicyOverride.MinSeconds)}"] = "minSeconds",
        [$"{nameof(PolicyOverride)}.{nameof(PolicyOverride.MaxSeconds)}"] = "maxSeconds",
        [$"{nameof(PolicyOverride)}.{nameof(PolicyOverride.DefaultSeconds)}"] = "defaultSeconds",
        [$"{nameof(PolicyOverride)}.{nameof(PolicyOverride.DefaultAbort)}"] = "defaultAbort",
        [$"{nameof(PolicyOverride)}.{nameof(PolicyOverride.RequireAbort)}"] = "requireAbort",
        [$"{nameof(PolicyOverride)}.{nameof(PolicyOverride.Inject)}"] = "the injection-on-in-namespace matchCondition",
        [$"{nameof(PolicyOverride)}.{nameof(PolicyOverride.PauseMaxSeconds)}"] = "not exportable: the header names the limit",
        [$"{nameof(PolicyOverride)}.{nameof(PolicyOverride.PauseAbort)}"] = "not exportable: the header names the limit",
    };

    public static PolicyExport Export(DeadlinePolicy policy, ExportOptions options)
    {
        CheckOptions(options);
        CheckPolicy(policy);
        var rules = new NamespaceRules(policy);
        var objects = new List<JsonObject>();
        if (options.Format != ExportFormat.Map)
        {
            objects.AddRange(ValidatingPolicies.Build(rules, options));
        }

        var mutating = options.Format != ExportFormat.Vap ? MutatingPolicy.Build(rules, options).ToList() : [];
        objects.AddRange(mutating);
        return new PolicyExport(ExportHeader.Lines(policy, options, mutating.Count > 0), objects);
    }

    /// <summary>
    /// The settings whose CEL form rests on an assumption the policy file's own validation guarantees; checked again
    /// here because the export is a function of the policy model, whoever built it.
    /// </summary>
    private static void CheckPolicy(DeadlinePolicy policy)
    {
        CheckSettings(policy.Action, policy.Bounds.MinSeconds, "spec");
        for (var i = 0; i < policy.Overrides.Count; i++)
        {
            var rule = policy.Overrides[i];
            CheckSettings(rule.Action, rule.MinSeconds, $"spec.overrides[{i}]");
        }

        // The globs: each becomes RE2 or is refused with its place (NamespaceRules builds them).
        _ = new NamespaceRules(policy);
    }

    private static void CheckSettings(PolicyAction? action, int? minSeconds, string path)
    {
        if (action is { } a && !Enum.IsDefined(a))
        {
            throw new ExportException($"{path}.action", $"{a} has no ValidatingAdmissionPolicyBinding validationActions form (Deny, Warn or Audit)");
        }

        // A deadline to inject of 0 stands for "none" in the MutatingAdmissionPolicy; a bound below 1 would make 0 a value.
        if (minSeconds is < 1)
        {
            throw new ExportException($"{path}.bounds.minSeconds", $"{minSeconds} is below 1, and the export's CEL uses 0 for \"no compliant deadline\"");
        }
    }

    private static void CheckOptions(ExportOptions options)
    {
        // The longest name is PREFIX-exemptions; object names are DNS subdomains of at most 253 characters.
        if (!DnsSubdomain().IsMatch(options.NamePrefix) || options.NamePrefix.Length > 253 - "-exemptions".Length)
        {
            throw new ExportException("--name-prefix", $"\"{options.NamePrefix}\" does not make valid object names: lower-case letters, digits, '-' and '.', starting and ending with a letter or digit, at most {253 - "-exemptions".Length} characters");
        }

        if (options.ControllerServiceAccount.Length == 0)
        {
            throw new ExportException("--controller-service-account", "must name a user (the chart's default is " + ExportOptions.DefaultControllerServiceAccount + ")");
        }

        foreach (var ns in options.ExcludedNamespaces)
        {
            if (!DnsLabel().IsMatch(ns))
            {
                throw new ExportException("--exclude-namespaces", $"\"{ns}\" is not a namespace name");
            }
        }

        if (options.OptOutLabel.Length > 0 && !LabelKey().IsMatch(options.OptOutLabel))
        {
            throw new ExportException("--opt-out-label", $"\"{options.OptOutLabel}\" is not a label key");
        }
    }

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex DnsSubdomain();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")]
    private static partial Regex DnsLabel();

    [GeneratedRegex("^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$")]
    private static partial Regex LabelKey();
}

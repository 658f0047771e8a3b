using System.Text.Json.Nodes;
using DeadlineGuard.Policy;

namespace DeadlineGuard.Export;

/// <summary>
/// The rules and their actions as ValidatingAdmissionPolicies (admissionregistration.k8s.io/v1, Kubernetes 1.30+).
/// A binding's validationActions hold for every namespace it matches, and a label selector cannot express a
/// namespace glob, so there is one policy and binding per action the policy uses, each matching (by a CEL
/// matchCondition) the namespaces whose effective action it is. A further policy, bound with Warn, carries the
/// exemption annotation's warnings and records an honoured exemption's reason.
/// </summary>
public static class ValidatingPolicies
{
    public const string ApiVersion = AdmissionObjects.Group + "/v1";

    /// <summary>The webhook's Deny answer: 403 Forbidden (the API server's default for a policy is 422 Invalid).</summary>
    private const string DenyReason = "Forbidden";

    public static IEnumerable<JsonObject> Build(NamespaceRules rules, ExportOptions options)
    {
        var actions = rules.Distinct(e => e.Action);
        foreach (var action in actions)
        {
            var name = $"{options.NamePrefix}-{Suffix(action)}";
            var onlyThisAction = actions.Count > 1 ? rules.Where(e => e.Action == action, "request.namespace") : null;
            var spec = new JsonObject
            {
                ["failurePolicy"] = "Fail",
                ["matchConstraints"] = AdmissionObjects.MatchConstraints(options),
                ["matchConditions"] = AdmissionObjects.Conditions(
                    AdmissionObjects.SkipController(options),
                    AdmissionObjects.NotInExemptNamespace(rules),
                    AdmissionObjects.NotExemptByAnnotation(rules),
                    onlyThisAction is null ? null : AdmissionObjects.Condition($"action-is-{Suffix(action)}", onlyThisAction)),
                ["variables"] = AdmissionObjects.Variables(RolloutCel.ValidationVariables(rules)),
                ["validations"] = Validations(action),
            };
            if (action == PolicyAction.Audit)
            {
                // The webhook's auditAnnotations.violations: every violation, joined; omitted when there is none.
                spec["auditAnnotations"] = new JsonArray(new JsonObject { ["key"] = "violations", ["valueExpression"] = "variables.violations.join('; ')" });
            }

            yield return AdmissionObjects.Object(ApiVersion, "ValidatingAdmissionPolicy", name, spec);
            yield return Binding(name, action.ToString());
        }

        var exemptions = $"{options.NamePrefix}-exemptions";
        yield return AdmissionObjects.Object(ApiVersion, "ValidatingAdmissionPolicy", exemptions, ExemptionSpec(rules, options));
        yield return Binding(exemptions, nameof(PolicyAction.Warn));
    }

    /// <summary>The object-name suffix of an action's policy (the exporter has refused any other action before).</summary>
    public static string Suffix(PolicyAction action) => action switch
    {
        PolicyAction.Deny => "deny",
        PolicyAction.Warn => "warn",
        PolicyAction.Audit => "audit",
        _ => throw new ExportException("spec.action", $"{action} has no ValidatingAdmissionPolicyBinding validationActions form (Deny, Warn, Audit)"),
    };

    /// <summary>The variables holding each rule's violation ('' when it holds), in the webhook's order.</summary>
    private static readonly string[] RuleViolations = ["deadlineViolation", "minReadyViolation", "abortViolation"];

    private static JsonObject Binding(string name, string action) =>
        AdmissionObjects.Object(ApiVersion, "ValidatingAdmissionPolicyBinding", name, new JsonObject
        {
            ["policyName"] = name,
            ["validationActions"] = new JsonArray(action),
        });

    /// <summary>
    /// Deny: one validation whose message names the Rollout and every violation, as the webhook's denial does (the
    /// API server reports only the first failed validation). Warn: one validation per rule, so that each violation
    /// is its own warning, cut as the webhook cuts them. Audit: one validation listing them all.
    /// </summary>
    private static JsonArray Validations(PolicyAction action)
    {
        const string message = "the Rollout's spec.progressDeadlineSeconds or spec.progressDeadlineAbort breaks the progress-deadline policy";
        switch (action)
        {
            case PolicyAction.Deny:
                return new JsonArray(new JsonObject
                {
                    ["expression"] = "size(variables.violations) == 0",
                    ["messageExpression"] = "'Rollout ' + request.namespace + '/' + (request.name == '' ? '-' : request.name)"
                        + " + ' violates the progress-deadline policy: ' + variables.violations.join('; ')",
                    ["message"] = message,
                    ["reason"] = DenyReason,
                });
            case PolicyAction.Warn:
                return new JsonArray([.. RuleViolations.Select(v => new JsonObject
                {
                    ["expression"] = $"variables.{v} == ''",
                    ["messageExpression"] = RolloutCel.Truncated($"variables.{v}"),
                    ["message"] = message,
                })]);
            default:
                return new JsonArray(new JsonObject
                {
                    ["expression"] = "size(variables.violations) == 0",
                    ["messageExpression"] = "variables.violations.join('; ')",
                    ["message"] = message,
                });
        }
    }

    /// <summary>
    /// The exemption annotation where it is not honoured: a warning naming the namespace, or asking for a reason
    /// (Exemption.Evaluate); where it is honoured, the reason as the audit annotation "exempt", as /validate records it.
    /// </summary>
    private static JsonObject ExemptionSpec(NamespaceRules rules, ExportOptions options)
    {
        var key = rules.Policy.Exemptions.Annotation;
        var quotedKey = CelText.Quote(key);
        var honoured = rules.AllowedInRegex is { } regex ? $"variables.namespaceName.matches({CelText.Quote(regex)})" : "false";
        var variables = new[]
        {
            RolloutCel.Namespace,
            new CelVariable("annotations",
                "'metadata' in object && 'annotations' in object.metadata && type(object.metadata.annotations) == map ? object.metadata.annotations : {}"),
            new CelVariable("annotated", $"{quotedKey} in variables.annotations"),
            new CelVariable("honouredHere", honoured),
            new CelVariable("reason",
                $"variables.annotated && type(variables.annotations[{quotedKey}]) == string ? variables.annotations[{quotedKey}].trim() : ''"),
            new CelVariable("notHonoured", $"{CelText.Quote(key + " is not honoured in namespace ")} + variables.namespaceName + '; the deadline policy applies'"),
            new CelVariable("noReason", CelText.Quote(key + " needs a reason as its value; the deadline policy applies")),
        };
        return new JsonObject
        {
            ["failurePolicy"] = "Fail",
            ["matchConstraints"] = AdmissionObjects.MatchConstraints(options),
            ["matchConditions"] = AdmissionObjects.Conditions(AdmissionObjects.SkipController(options), AdmissionObjects.NotInExemptNamespace(rules)),
            ["variables"] = AdmissionObjects.Variables(variables),
            ["validations"] = new JsonArray(
                new JsonObject
                {
                    ["expression"] = "!variables.annotated || variables.honouredHere",
                    ["messageExpression"] = RolloutCel.Truncated("variables.notHonoured"),
                    ["message"] = $"{key} is not honoured in this namespace; the deadline policy applies",
                },
                new JsonObject
                {
                    ["expression"] = "!variables.annotated || !variables.honouredHere || variables.reason != ''",
                    ["messageExpression"] = RolloutCel.Truncated("variables.noReason"),
                    ["message"] = $"{key} needs a reason as its value; the deadline policy applies",
                }),
            ["auditAnnotations"] = new JsonArray(new JsonObject
            {
                ["key"] = "exempt",
                ["valueExpression"] = "variables.annotated && variables.honouredHere ? variables.reason : ''",
            }),
        };
    }
}

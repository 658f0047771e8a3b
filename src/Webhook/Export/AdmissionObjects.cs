using System.Text.Json.Nodes;

namespace DeadlineGuard.Export;

/// <summary>The parts every exported policy and binding share: metadata, what they match, which requests they skip.</summary>
public static class AdmissionObjects
{
    public const string Group = "admissionregistration.k8s.io";

    /// <summary>The label every exported object carries, to list or delete them together.</summary>
    public const string ManagedByLabel = "app.kubernetes.io/managed-by";

    public const string ManagedBy = "deadline-guard-export-policy";

    /// <summary>The annotation the Argo Rollouts controller changes when a workloadRef Rollout's Deployment changes.</summary>
    public const string WorkloadGenerationAnnotation = "rollout.argoproj.io/workload-generation";

    public static JsonObject Object(string apiVersion, string kind, string name, JsonObject spec) => new()
    {
        ["apiVersion"] = apiVersion,
        ["kind"] = kind,
        ["metadata"] = new JsonObject
        {
            ["name"] = name,
            ["labels"] = new JsonObject
            {
                ["app.kubernetes.io/part-of"] = "rollout-deadline-guard",
                [ManagedByLabel] = ManagedBy,
            },
        },
        ["spec"] = spec,
    };

    /// <summary>
    /// Rollout CREATE and UPDATE in any version of argoproj.io (never rollouts/status), outside the namespaces the
    /// chart keeps from its webhooks: as charts/rollout-deadline-guard's rules and namespaceSelector.
    /// </summary>
    public static JsonObject MatchConstraints(ExportOptions options)
    {
        var expressions = new JsonArray();
        if (options.ExcludedNamespaces.Count > 0)
        {
            expressions.Add(new JsonObject
            {
                ["key"] = "kubernetes.io/metadata.name",
                ["operator"] = "NotIn",
                ["values"] = new JsonArray([.. options.ExcludedNamespaces.Select(n => JsonValue.Create(n))]),
            });
        }

        if (options.OptOutLabel.Length > 0)
        {
            expressions.Add(new JsonObject { ["key"] = options.OptOutLabel, ["operator"] = "NotIn", ["values"] = new JsonArray("true") });
        }

        var constraints = new JsonObject
        {
            ["resourceRules"] = new JsonArray(new JsonObject
            {
                ["apiGroups"] = new JsonArray("argoproj.io"),
                ["apiVersions"] = new JsonArray("*"),
                ["resources"] = new JsonArray("rollouts"),
                ["operations"] = new JsonArray("CREATE", "UPDATE"),
                ["scope"] = "Namespaced",
            }),
        };
        if (expressions.Count > 0)
        {
            constraints["namespaceSelector"] = new JsonObject { ["matchExpressions"] = expressions };
        }

        constraints["matchPolicy"] = "Equivalent";
        return constraints;
    }

    public static JsonObject Condition(string name, string expression) => new() { ["name"] = name, ["expression"] = expression };

    public static JsonObject Variable(CelVariable variable) => new() { ["name"] = variable.Name, ["expression"] = variable.Expression };

    public static JsonArray Variables(IEnumerable<CelVariable> variables) => new([.. variables.Select(Variable)]);

    /// <summary>The validating webhook's matchCondition: the Argo Rollouts controller's own requests are never judged.</summary>
    public static JsonObject SkipController(ExportOptions options) =>
        Condition("skip-argo-controller", $"request.userInfo.username != {CelText.Quote(options.ControllerServiceAccount)}");

    /// <summary>
    /// The mutating webhook's matchCondition: the controller's updates are skipped unless they change the
    /// workload-generation annotation (an absent annotation reads as '' on either side).
    /// </summary>
    public static JsonObject SkipControllerUnlessWorkloadGenerationChanged(ExportOptions options)
    {
        var key = CelText.Quote(WorkloadGenerationAnnotation);
        return Condition("skip-argo-controller-unless-workload-generation-changed", string.Join("\n", [
            $"request.userInfo.username != {CelText.Quote(options.ControllerServiceAccount)}",
            "|| request.operation != 'UPDATE'",
            $"|| (has(object.metadata.annotations) && {key} in object.metadata.annotations ? object.metadata.annotations[{key}] : '')",
            $"!= (has(oldObject.metadata.annotations) && {key} in oldObject.metadata.annotations ? oldObject.metadata.annotations[{key}] : '')"]));
    }

    /// <summary>spec.exemptions.namespaces: never evaluated at all. Null when the list is empty.</summary>
    public static JsonObject? NotInExemptNamespace(NamespaceRules rules) => rules.ExemptRegex is { } regex
        ? Condition("not-in-an-exempt-namespace", $"!request.namespace.matches({CelText.Quote(regex)})")
        : null;

    /// <summary>
    /// The exemption annotation with a reason (not only spaces), where spec.exemptions.allowedIn honours it
    /// (Exemption.Evaluate). Null when it is honoured nowhere.
    /// </summary>
    public static JsonObject? NotExemptByAnnotation(NamespaceRules rules)
    {
        if (rules.AllowedInRegex is not { } regex)
        {
            return null;
        }

        var key = CelText.Quote(rules.Policy.Exemptions.Annotation);
        return Condition("not-exempt-by-annotation", string.Join("\n", [
            $"!(request.namespace.matches({CelText.Quote(regex)})",
            "  && 'metadata' in object && 'annotations' in object.metadata && type(object.metadata.annotations) == map",
            $"  && {key} in object.metadata.annotations && type(object.metadata.annotations[{key}]) == string",
            $"  && object.metadata.annotations[{key}].trim() != '')"]));
    }

    public static JsonArray Conditions(params JsonObject?[] conditions) => new([.. conditions.OfType<JsonObject>()]);
}

using System.Text.Json.Nodes;

namespace DeadlineGuard.Export;

/// <summary>
/// The injection as a MutatingAdmissionPolicy and its binding: JSON Patch "add" for each deadline field the
/// Rollout lacks, with the namespace's defaults (RolloutMutator). Reinvoked when later mutations change the
/// Rollout (it only adds what is missing, so a second run adds nothing); failures are ignored, as the
/// webhook's mutating configuration is (the validating policies still judge the Rollout).
/// </summary>
public static class MutatingPolicy
{
    /// <summary>The name suffix: PREFIX-inject.</summary>
    public const string Suffix = "inject";

    public static string ApiVersion(MutatingPolicyVersion version) => version switch
    {
        MutatingPolicyVersion.V1 => AdmissionObjects.Group + "/v1",
        _ => AdmissionObjects.Group + "/v1beta1",
    };

    /// <summary>The policy and its binding; nothing when no namespace has injection on.</summary>
    public static IEnumerable<JsonObject> Build(NamespaceRules rules, ExportOptions options)
    {
        if (rules.Nowhere(e => e.Inject))
        {
            yield break;
        }

        var apiVersion = ApiVersion(options.MutatingVersion);
        var name = $"{options.NamePrefix}-{Suffix}";
        var injectsHere = rules.Where(e => e.Inject, "request.namespace");
        var spec = new JsonObject
        {
            ["failurePolicy"] = "Ignore",
            ["reinvocationPolicy"] = "IfNeeded",
            ["matchConstraints"] = AdmissionObjects.MatchConstraints(options),
            ["matchConditions"] = AdmissionObjects.Conditions(
                AdmissionObjects.SkipControllerUnlessWorkloadGenerationChanged(options),
                AdmissionObjects.NotInExemptNamespace(rules),
                AdmissionObjects.NotExemptByAnnotation(rules),
                injectsHere is null ? null : AdmissionObjects.Condition("injection-on-in-namespace", injectsHere),
                AdmissionObjects.Condition("a-deadline-field-is-missing",
                    "'spec' in object && type(object.spec) == map && (!('progressDeadlineSeconds' in object.spec) || !('progressDeadlineAbort' in object.spec))")),
            ["variables"] = AdmissionObjects.Variables(Variables(rules)),
            ["mutations"] = new JsonArray(new JsonObject
            {
                ["patchType"] = "JSONPatch",
                ["jsonPatch"] = new JsonObject { ["expression"] = Patch },
            }),
        };
        yield return AdmissionObjects.Object(apiVersion, "MutatingAdmissionPolicy", name, spec);
        yield return AdmissionObjects.Object(apiVersion, "MutatingAdmissionPolicyBinding", name, new JsonObject { ["policyName"] = name });
    }

    /// <summary>Adds the deadline (when one complies) and the abort flag where the spec has none; a null counts as present.</summary>
    public static string Patch { get; } = string.Join("\n", [
        "(variables.hasSpec && !('progressDeadlineSeconds' in variables.spec) && variables.deadlineToInject > 0",
        "  ? [JSONPatch{op: 'add', path: '/spec/progressDeadlineSeconds', value: variables.deadlineToInject}] : [])",
        "+ (variables.hasSpec && !('progressDeadlineAbort' in variables.spec)",
        "  ? [JSONPatch{op: 'add', path: '/spec/progressDeadlineAbort', value: variables.defaultAbort}] : [])"]);

    private static List<CelVariable> Variables(NamespaceRules rules)
    {
        const string index = "variables.overrideIndex";
        var list = new List<CelVariable> { RolloutCel.Namespace };
        list.AddRange(RolloutCel.OverrideVariable(rules));
        list.Add(new CelVariable("defaultSeconds", rules.Value(e => e.DefaultSeconds, v => CelText.Int(v), index)));
        list.Add(new CelVariable("defaultAbort", rules.Value(e => e.DefaultAbort, CelText.Bool, index)));
        list.Add(new CelVariable("minSeconds", rules.Value(e => e.MinSeconds, v => CelText.Int(v), index)));
        list.Add(new CelVariable("maxSeconds", rules.Value(e => e.MaxSeconds, v => CelText.Int(v), index)));
        list.AddRange(RolloutCel.Spec());
        list.Add(RolloutCel.MinReadySeconds);
        list.AddRange(RolloutCel.DeadlineToInject());
        return list;
    }
}

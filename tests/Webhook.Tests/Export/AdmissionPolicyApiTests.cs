using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using DeadlineGuard.Export;
using DeadlineGuard.Json;
using DeadlineGuard.Policy;

namespace DeadlineGuard.Tests.Export;

/// <summary>
/// What the API server would accept: every exported object against the admissionregistration schema of its version,
/// and against the checks of kubernetes pkg/apis/admissionregistration/validation/validation.go that a schema cannot
/// state (names, Deny with Warn, duplicate keys, CEL identifiers, line breaks in messages).
/// </summary>
public sealed partial class AdmissionPolicyApiTests
{
    /// <summary>CEL's reserved words (cel-spec langdef), which a variable name may not be.</summary>
    private static readonly HashSet<string> CelReserved =
    [
        "true", "false", "null", "in", "as", "break", "const", "continue", "else", "for", "function", "if",
        "import", "let", "loop", "package", "namespace", "return", "var", "void", "while",
    ];

    public static TheoryData<string, string, string> Exports()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var policy in new[] { "built-in", "equivalence" })
        {
            foreach (var format in new[] { "all", "vap", "map" })
            {
                foreach (var version in new[] { "v1", "v1beta1" })
                {
                    data.Add(policy, format, version);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Exports))]
    public void Every_exported_object_conforms_to_the_kubernetes_schema_of_its_version(string policy, string format, string version)
    {
        var objects = Export(policy, format, version);

        objects.ShouldNotBeEmpty();
        foreach (var obj in objects)
        {
            AdmissionPolicySchema.Problems(obj).ShouldBeEmpty($"{obj["kind"]} {obj["metadata"]?["name"]}");
        }
    }

    [Theory]
    [MemberData(nameof(Exports))]
    public void Every_exported_object_passes_the_api_servers_own_checks(string policy, string format, string version)
    {
        var objects = Export(policy, format, version);
        var problems = objects.SelectMany(o => ApiServerProblems(o, objects)).ToList();

        problems.ShouldBeEmpty();
    }

    [Theory]
    [MemberData(nameof(Exports))]
    public void Each_kind_comes_in_the_version_asked_for(string policy, string format, string version)
    {
        var objects = Export(policy, format, version);
        var kinds = objects.Select(o => o["kind"]!.GetValue<string>()).ToList();

        kinds.Contains("ValidatingAdmissionPolicy").ShouldBe(format != "map");
        kinds.Contains("MutatingAdmissionPolicy").ShouldBe(format != "vap");
        foreach (var obj in objects)
        {
            var expected = obj["kind"]!.GetValue<string>().StartsWith("Mutating", StringComparison.Ordinal) ? version : "v1";
            obj["apiVersion"]!.GetValue<string>().ShouldBe($"admissionregistration.k8s.io/{expected}");
        }
    }

    [Fact]
    public void The_schema_refuses_a_misspelt_field_a_wrong_value_and_a_missing_required_field()
    {
        var binding = Export("built-in", "vap", "v1").First(o => o["kind"]!.GetValue<string>() == "ValidatingAdmissionPolicyBinding");
        AdmissionPolicySchema.Problems(binding).ShouldBeEmpty();

        var misspelt = binding.DeepClone().AsObject();
        misspelt["spec"]!.AsObject().Add("validationAction", new JsonArray("Deny"));
        AdmissionPolicySchema.Problems(misspelt).ShouldNotBeEmpty();

        var wrongValue = binding.DeepClone().AsObject();
        wrongValue["spec"]!["validationActions"] = new JsonArray("Refuse");
        AdmissionPolicySchema.Problems(wrongValue).ShouldNotBeEmpty();

        var map = Export("built-in", "map", "v1").First(o => o["kind"]!.GetValue<string>() == "MutatingAdmissionPolicy");
        map["spec"]!["mutations"]![0]!.AsObject().Remove("patchType");
        AdmissionPolicySchema.Problems(map).ShouldNotBeEmpty();
    }

    [Fact]
    public void The_schema_has_both_versions_of_the_mutating_kinds_and_the_validating_kinds_in_v1()
    {
        AdmissionPolicySchema.Definitions.ShouldContain("v1.ValidatingAdmissionPolicy");
        AdmissionPolicySchema.Definitions.ShouldContain("v1.ValidatingAdmissionPolicyBinding");
        AdmissionPolicySchema.Definitions.ShouldContain("v1.MutatingAdmissionPolicy");
        AdmissionPolicySchema.Definitions.ShouldContain("v1beta1.MutatingAdmissionPolicy");
        AdmissionPolicySchema.Definitions.ShouldContain("v1beta1.MutatingAdmissionPolicyBinding");
    }

    public static IReadOnlyList<JsonObject> Export(string policy, string format, string version)
    {
        var options = new ExportOptions
        {
            Format = format switch { "vap" => ExportFormat.Vap, "map" => ExportFormat.Map, _ => ExportFormat.All },
            MutatingVersion = version == "v1beta1" ? MutatingPolicyVersion.V1Beta1 : MutatingPolicyVersion.V1,
        };
        var deadlinePolicy = policy == "built-in" ? DeadlinePolicy.BuiltIn : PolicyDocumentReader.Parse(ExportEquivalenceFixture.PolicyYaml, "test");

        // Through the YAML, as kubectl would read it.
        return [.. YamlJson.ParseStream(AdmissionPolicyExporter.Export(deadlinePolicy, options).ToYaml()).Select(d => d.Root!.AsObject())];
    }

    /// <summary>The API server's validation beyond the schema, for the parts these objects use.</summary>
    private static IEnumerable<string> ApiServerProblems(JsonObject obj, IReadOnlyList<JsonObject> all)
    {
        var kind = obj["kind"]!.GetValue<string>();
        var name = obj["metadata"]!["name"]!.GetValue<string>();
        var at = $"{kind} {name}";
        if (name.Length > 253 || !DnsSubdomain().IsMatch(name))
        {
            yield return $"{at}: metadata.name is not a DNS subdomain";
        }

        var spec = obj["spec"]!.AsObject();
        if (kind.EndsWith("Binding", StringComparison.Ordinal))
        {
            var policyKind = kind[..^"Binding".Length];
            var policyName = spec["policyName"]?.GetValue<string>();
            if (!all.Any(o => o["kind"]!.GetValue<string>() == policyKind && o["metadata"]!["name"]!.GetValue<string>() == policyName))
            {
                yield return $"{at}: policyName {policyName} names no {policyKind} of the export";
            }

            if (kind == "ValidatingAdmissionPolicyBinding")
            {
                var actions = spec["validationActions"]!.AsArray().Select(a => a!.GetValue<string>()).ToList();
                if (actions.Count == 0 || actions.Distinct().Count() != actions.Count || (actions.Contains("Deny") && actions.Contains("Warn")))
                {
                    yield return $"{at}: validationActions {string.Join(",", actions)} (none, a duplicate, or Deny with Warn)";
                }
            }

            yield break;
        }

        if (spec["failurePolicy"] is null)
        {
            yield return $"{at}: no failurePolicy";
        }

        var constraints = spec["matchConstraints"]?.AsObject();
        if (constraints?["resourceRules"] is not JsonArray { Count: > 0 } rules)
        {
            yield return $"{at}: matchConstraints.resourceRules is required";
        }
        else if (kind == "MutatingAdmissionPolicy" && rules.Any(r => r!["operations"]!.AsArray().Any(o => o!.GetValue<string>() is "DELETE" or "*")))
        {
            yield return $"{at}: a mutating policy may not match DELETE";
        }

        var conditions = spec["matchConditions"]?.AsArray() ?? [];
        if (conditions.Count > 64)
        {
            yield return $"{at}: more than 64 matchConditions";
        }

        foreach (var duplicate in Duplicates(conditions.Select(c => c!["name"]!.GetValue<string>())))
        {
            yield return $"{at}: matchCondition {duplicate} twice";
        }

        foreach (var condition in conditions.Select(c => c!["name"]!.GetValue<string>()).Where(n => !QualifiedName().IsMatch(n) || n.Length > 63))
        {
            yield return $"{at}: matchCondition name {condition} is not a qualified name";
        }

        var variables = spec["variables"]?.AsArray() ?? [];
        foreach (var variable in variables.Select(v => v!["name"]!.GetValue<string>()))
        {
            if (!CelIdentifier().IsMatch(variable) || CelReserved.Contains(variable))
            {
                yield return $"{at}: variable {variable} is not a CEL identifier";
            }
        }

        foreach (var duplicate in Duplicates(variables.Select(v => v!["name"]!.GetValue<string>())))
        {
            yield return $"{at}: variable {duplicate} twice";
        }

        foreach (var validation in spec["validations"]?.AsArray() ?? [])
        {
            var message = validation!["message"]?.GetValue<string>();
            if (message is not null && (message.Trim().Length == 0 || message.Contains('\n', StringComparison.Ordinal) || message.Contains('\r', StringComparison.Ordinal)))
            {
                yield return $"{at}: validation message is empty or holds a line break";
            }

            if (validation["reason"]?.GetValue<string>() is { } reason && reason is not ("Unauthorized" or "Forbidden" or "Invalid" or "RequestEntityTooLarge"))
            {
                yield return $"{at}: validation reason {reason} is not supported";
            }
        }

        var auditAnnotations = spec["auditAnnotations"]?.AsArray() ?? [];
        foreach (var key in auditAnnotations.Select(a => a!["key"]!.GetValue<string>()).Where(k => !QualifiedName().IsMatch(k) || k.Length > 63))
        {
            yield return $"{at}: audit annotation key {key} is not a qualified name";
        }

        foreach (var duplicate in Duplicates(auditAnnotations.Select(a => a!["key"]!.GetValue<string>())))
        {
            yield return $"{at}: audit annotation {duplicate} twice";
        }

        if (kind == "ValidatingAdmissionPolicy" && (spec["validations"]?.AsArray().Count ?? 0) + auditAnnotations.Count == 0)
        {
            yield return $"{at}: neither validations nor auditAnnotations";
        }

        if (kind == "MutatingAdmissionPolicy" && (spec["mutations"]?.AsArray().Count ?? 0) == 0)
        {
            yield return $"{at}: no mutations";
        }
    }

    private static IEnumerable<string> Duplicates(IEnumerable<string> names) => names.GroupBy(n => n).Where(g => g.Count() > 1).Select(g => g.Key);

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex DnsSubdomain();

    [GeneratedRegex("^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")]
    private static partial Regex QualifiedName();

    [GeneratedRegex("^[_a-zA-Z][_a-zA-Z0-9]*$")]
    private static partial Regex CelIdentifier();
}

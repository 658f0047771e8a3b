using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using DeadlineGuard.Json;
using DeadlineGuard.Policy;
using Json.Schema;

namespace DeadlineGuard.Tests.Chart;

/// <summary>values.yaml against values.schema.json, against the templates, and against the program's own defaults.</summary>
public sealed partial class ValuesTests
{
    private static readonly Lazy<JsonSchema> Schema = new(() =>
        JsonSchema.Build(
            JsonDocument.Parse(File.ReadAllText(ChartFiles.SchemaPath)).RootElement,
            new BuildOptions { SchemaRegistry = new SchemaRegistry() }));

    private static List<string> SchemaProblems(JsonNode values)
    {
        var results = Schema.Value.Evaluate(JsonSerializer.SerializeToElement(values), new EvaluationOptions { OutputFormat = OutputFormat.List });
        var problems = new List<string>();
        Collect(results, problems);
        return results.IsValid ? [] : problems.Count > 0 ? problems : ["(invalid, with no message)"];
    }

    private static void Collect(EvaluationResults results, List<string> problems)
    {
        if (results.Errors is { } errors)
        {
            problems.AddRange(errors.Select(e => $"{results.InstanceLocation}: {e.Value}"));
        }

        foreach (var detail in results.Details ?? [])
        {
            Collect(detail, problems);
        }
    }

    [Fact]
    public void The_default_values_satisfy_the_schema()
    {
        SchemaProblems(ChartFiles.Values).ShouldBeEmpty();
    }

    public static TheoryData<string, string> BadValues => new()
    {
        { "unknown top-level key", """{"replicas": 3}""" },
        { "unknown nested key (typo)", """{"webhook": {"replica": 3}}""" },
        { "unknown key in the policy", """{"policy": {"spec": {"defaults": {"progressDeadline": 60}}}}""" },
        { "wrong type", """{"webhook": {"replicas": "3"}}""" },
        { "string where a boolean belongs", """{"reconciler": {"dryRun": "true"}}""" },
        { "unknown certificate mode", """{"certificates": {"mode": "vault"}}""" },
        { "unknown policy action", """{"policy": {"spec": {"action": "Block"}}}""" },
        { "webhook timeout over the API server's 30 s", """{"webhook": {"timeoutSeconds": 31}}""" },
        { "mutating failurePolicy is not a value", """{"webhook": {"mutatingFailurePolicy": "Fail"}}""" },
        { "history limit over 50", """{"policy": {"spec": {"history": {"limit": 51}}}}""" },
        { "negative pause limit", """{"policy": {"spec": {"pauses": {"maxSeconds": -1}}}}""" },
        { "pause limit as a duration string", """{"policy": {"spec": {"pauses": {"maxSeconds": "1h"}}}}""" },
        { "pause abort as a string", """{"policy": {"spec": {"pauses": {"abort": "false"}}}}""" },
        { "negative pause limit in an override", """{"policy": {"spec": {"overrides": [{"namespaces": ["a"], "pauses": {"maxSeconds": -1}}]}}}""" },
        { "pitfalls.ignore in an override (cluster-wide only)", """{"policy": {"spec": {"overrides": [{"namespaces": ["a"], "pitfalls": {"ignore": ["DG102"]}}]}}}""" },
        { "a pitfall id that is not in the catalog", """{"policy": {"spec": {"pitfalls": {"ignore": ["DG1O2"]}}}}""" },
        { "controller account that would break the CEL literal", """{"argoRollouts": {"controllerServiceAccount": "system:serviceaccount:x:y' || true || '"}}""" },
        { "caBundle that is not base64", """{"certificates": {"existingSecret": {"caBundle": "-----BEGIN CERTIFICATE-----"}}}""" },
        { "unknown resource name", """{"webhook": {"resources": {"requests": {"gpu": 1}}}}""" },
        { "unknown report format", """{"reports": {"format": "policyreports.wgpolicyk8s.io"}}""" },
    };

    [Theory]
    [MemberData(nameof(BadValues))]
    public void The_schema_rejects_bad_values(string why, string overrides)
    {
        var values = Merge(ChartFiles.Values.DeepClone(), JsonNode.Parse(overrides)!);

        SchemaProblems(values).ShouldNotBeEmpty(why);
    }

    [Fact]
    public void The_schema_accepts_the_documented_alternatives()
    {
        var values = Merge(ChartFiles.Values.DeepClone(), JsonNode.Parse("""
            {"certificates": {"mode": "existingSecret", "existingSecret": {"name": "my-tls", "caBundle": "TFMwdExTMUNSVWRKVGc9"}},
             "webhook": {"failurePolicy": "Ignore", "podDisruptionBudget": {"maxUnavailable": "34%"},
                         "tolerations": [{"key": "dedicated", "operator": "Equal", "value": "platform", "effect": "NoSchedule"}],
                         "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": []}}}},
             "reconciler": {"namespaces": ["team-a", "team-b"], "dryRun": true},
             "policy": {"spec": {"action": "Warn", "overrides": [{"namespaces": ["team-a-*"], "action": "Audit", "bounds": {"maxSeconds": 7200}, "pauses": {"maxSeconds": 0}}],
                                 "pauses": {"maxSeconds": 3600, "abort": false}, "pitfalls": {"ignore": ["DG102", "DG104"]}}},
             "image": {"digest": "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}}
            """)!);

        SchemaProblems(values).ShouldBeEmpty();
    }

    [Fact]
    public void The_schemas_pitfall_ids_are_the_catalogs()
    {
        var schema = JsonNode.Parse(File.ReadAllText(ChartFiles.SchemaPath))!;
        var ids = schema["properties"]!["policy"]!["properties"]!["spec"]!["properties"]!["pitfalls"]!["properties"]!["ignore"]!["items"]!["enum"]!.AsArray();

        ids.Select(i => i!.GetValue<string>()).ShouldBe(DeadlineGuard.Pitfalls.PitfallCatalog.All.Select(d => d.Id));
    }

    [Fact]
    public void Every_object_in_the_schema_closes_its_properties()
    {
        var schema = JsonNode.Parse(File.ReadAllText(ChartFiles.SchemaPath))!;
        var open = new List<string>();
        Walk(schema, "#", open);

        // Only the pass-through definition (affinity's Kubernetes objects, validated by the API server) and the policy's
        // metadata (any mapping, for tooling, as the program accepts it) are open.
        open.ShouldBe(["#/definitions/kubernetesObject", "#/properties/policy/properties/metadata"]);
    }

    private static void Walk(JsonNode? node, string path, List<string> open)
    {
        switch (node)
        {
            case JsonObject obj:
                if (obj["type"] is JsonValue type && type.GetValue<string>() == "object")
                {
                    var additional = obj["additionalProperties"];
                    var closed = additional is JsonValue flag ? !flag.GetValue<bool>() : additional is JsonObject && !obj.ContainsKey("properties");
                    if (!closed)
                    {
                        open.Add(path);
                    }
                }

                foreach (var (key, child) in obj)
                {
                    Walk(child, $"{path}/{key}", open);
                }

                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    Walk(array[i], $"{path}/{i}", open);
                }

                break;
        }
    }

    [Fact]
    public void Every_value_is_commented()
    {
        // helm-docs style: "# -- text" above a key documents it and everything under it.
        var undocumented = new List<string>();
        var path = new List<(int Indent, string Key, bool Documented)>();
        var lines = ChartFiles.ValuesText.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var match = KeyLine().Match(lines[i]);
            if (!match.Success)
            {
                continue;
            }

            var indent = match.Groups["indent"].Value.Length;
            while (path.Count > 0 && path[^1].Indent >= indent)
            {
                path.RemoveAt(path.Count - 1);
            }

            // Documented: a "# --" line in the comment block right above the key.
            var documented = false;
            for (var j = i - 1; j >= 0 && lines[j].TrimStart().StartsWith('#'); j--)
            {
                documented |= lines[j].TrimStart().StartsWith("# --", StringComparison.Ordinal);
            }

            // A leaf has an inline value, or is followed (past comments) by no deeper key.
            var following = lines.Skip(i + 1).FirstOrDefault(l => l.Trim().Length > 0 && !l.TrimStart().StartsWith('#'));
            var isLeaf = match.Groups["value"].Value.Trim().Length > 0
                         || following is null
                         || KeyLine().Match(following) is not { Success: true } next
                         || next.Groups["indent"].Value.Length <= indent;
            path.Add((indent, match.Groups["key"].Value, documented));
            if (isLeaf && !path.Any(p => p.Documented))
            {
                undocumented.Add(string.Join('.', path.Select(p => p.Key)));
            }
        }

        undocumented.ShouldBeEmpty();
    }

    [Fact]
    public void The_default_policy_is_exactly_the_built_in_policy()
    {
        var policy = PolicyDocumentReader.Parse(ChartFiles.Values["policy"]!.ToJsonString(), "values.yaml policy");

        JsonSerializer.Serialize(policy).ShouldBe(JsonSerializer.Serialize(DeadlinePolicy.BuiltIn));
    }

    [SkippableTheory]
    [InlineData("selfManaged")]
    [InlineData("everything")]
    public void The_policy_ConfigMap_holds_values_policy_as_the_policy_yaml_the_program_reads(string configuration)
    {
        var chart = RenderedChart.Of(configuration);
        var configMap = chart.OfKind("ConfigMap").Single(c => c.Name.EndsWith("-policy", StringComparison.Ordinal));

        var policy = PolicyDocumentReader.Parse(configMap.Body["data"]!["policy.yaml"]!.GetValue<string>(), "the rendered policy.yaml");

        JsonSerializer.Serialize(policy).ShouldBe(JsonSerializer.Serialize(DeadlinePolicy.BuiltIn));
        foreach (var deployment in chart.OfKind("Deployment"))
        {
            deployment.Args.ShouldContain("/etc/deadline-guard/policy.yaml");
        }
    }

    private static JsonNode Merge(JsonNode target, JsonNode patch)
    {
        if (patch is JsonObject patchObject && target is JsonObject targetObject)
        {
            foreach (var (key, value) in patchObject)
            {
                targetObject[key] = targetObject[key] is { } existing && value is JsonObject
                    ? Merge(existing, value!.DeepClone())
                    : value?.DeepClone();
            }

            return targetObject;
        }

        return patch.DeepClone();
    }

    [GeneratedRegex(@"^(?<indent> *)(?<key>[A-Za-z_][A-Za-z0-9_.-]*):(?<value>.*)$")]
    private static partial Regex KeyLine();
}

using System.Text.Json.Nodes;
using DeadlineGuard.Tests.Support;

namespace DeadlineGuard.Tests.Fixtures;

public sealed class RolloutCrdSchemaTests
{
    // Includes malformed-rollout.yaml: its "memory: invalid" sits under resources.requests, which the
    // v1.9.1 CRD leaves to x-kubernetes-preserve-unknown-fields, so only the kubelet's pod admission refuses it.
    [SkippableTheory]
    [MemberData(nameof(ArgoFixtureRollouts.All), MemberType = typeof(ArgoFixtureRollouts))]
    public void Every_upstream_rollout_satisfies_the_crd_schema(string file, int document)
    {
        RolloutCrdSchema.Problems(ArgoFixtureRollouts.Load(file, document)).ShouldBeEmpty();
    }

    [SkippableFact]
    public void A_field_of_the_wrong_type_deep_in_the_pod_template_fails_the_crd_schema()
    {
        var rollout = ArgoFixtureRollouts.Load(ArgoFixtureRollouts.Malformed, 1);
        rollout["spec"]!["template"]!["spec"]!["containers"]![0]!["image"] = 42;
        RolloutCrdSchema.Problems(rollout).ShouldContain(p => p.StartsWith("/spec/template/spec/containers/0/image:", StringComparison.Ordinal));
    }

    [SkippableTheory]
    [InlineData("\"600\"")]
    [InlineData("600.5")]
    [InlineData("true")]
    [InlineData("{}")]
    public void A_progress_deadline_that_is_not_an_integer_fails_the_crd_schema(string value)
    {
        var rollout = Reviews.Rollout();
        rollout["spec"]!["progressDeadlineSeconds"] = JsonNode.Parse(value);
        var problems = RolloutCrdSchema.Problems(rollout);
        problems.ShouldContain(p => p.StartsWith("/spec/progressDeadlineSeconds:", StringComparison.Ordinal));
    }

    [SkippableFact]
    public void A_progress_deadline_abort_that_is_not_a_boolean_fails_the_crd_schema()
    {
        var rollout = Reviews.Rollout();
        rollout["spec"]!["progressDeadlineAbort"] = "true";
        RolloutCrdSchema.Problems(rollout).ShouldContain(p => p.StartsWith("/spec/progressDeadlineAbort:", StringComparison.Ordinal));
    }

    [SkippableFact]
    public void The_builder_rollout_with_both_deadline_fields_satisfies_the_crd_schema()
    {
        var rollout = Reviews.Rollout();
        rollout["spec"]!["progressDeadlineSeconds"] = 600;
        rollout["spec"]!["progressDeadlineAbort"] = true;
        RolloutCrdSchema.Problems(rollout).ShouldBeEmpty();
    }

    [SkippableTheory]
    [InlineData("1")]
    [InlineData("\"25%\"")]
    public void An_int_or_string_field_accepts_an_integer_and_a_string(string value)
    {
        var rollout = ArgoFixtureRollouts.Load("rollout-rolling-update.yaml", 1);
        rollout["spec"]!["strategy"]!["canary"]!["maxSurge"] = JsonNode.Parse(value);
        RolloutCrdSchema.Problems(rollout).ShouldBeEmpty();
    }

    [SkippableFact]
    public void An_int_or_string_field_still_refuses_other_types()
    {
        var rollout = ArgoFixtureRollouts.Load("rollout-rolling-update.yaml", 1);
        rollout["spec"]!["strategy"]!["canary"]!["maxSurge"] = true;
        RolloutCrdSchema.Problems(rollout).ShouldContain(p => p.StartsWith("/spec/strategy/canary/maxSurge:", StringComparison.Ordinal));
    }

    [SkippableFact]
    public void Translation_leaves_no_kubernetes_extension_keyword_in_schema_position()
    {
        var extensions = new List<string>();
        FindExtensions(RolloutCrdSchema.Translated, "#", extensions);
        extensions.ShouldBeEmpty();
    }

    [SkippableFact]
    public void Translation_turns_an_int_or_string_without_any_of_into_integer_or_string()
    {
        var schema = RolloutCrdSchema.Translate(JsonNode.Parse("""{"type":"string","x-kubernetes-int-or-string":true}""")!.AsObject());
        JsonNode.DeepEquals(schema, JsonNode.Parse("""{"anyOf":[{"type":"integer"},{"type":"string"}]}""")).ShouldBeTrue(schema.ToJsonString());
    }

    private static void FindExtensions(JsonObject schema, string at, List<string> found)
    {
        foreach (var (keyword, value) in schema)
        {
            if (keyword.StartsWith("x-kubernetes-", StringComparison.Ordinal))
            {
                found.Add($"{at}/{keyword}");
            }

            switch (value)
            {
                case JsonObject properties when keyword == "properties":
                    foreach (var (name, property) in properties)
                    {
                        if (property is JsonObject sub)
                        {
                            FindExtensions(sub, $"{at}/properties/{name}", found);
                        }
                    }

                    break;
                case JsonObject sub:
                    FindExtensions(sub, $"{at}/{keyword}", found);
                    break;
                case JsonArray list:
                    for (var i = 0; i < list.Count; i++)
                    {
                        if (list[i] is JsonObject item)
                        {
                            FindExtensions(item, $"{at}/{keyword}/{i}", found);
                        }
                    }

                    break;
            }
        }
    }
}

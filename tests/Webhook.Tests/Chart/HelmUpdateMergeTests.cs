using System.Text.Json.Nodes;

namespace DeadlineGuard.Tests.Chart;

/// <summary>The Helm double's model of an upgrade's update (see <see cref="HelmUpdateMerge"/>): what survives and what Helm resets.</summary>
public sealed class HelmUpdateMergeTests
{
    private static JsonObject Configuration(string? caBundle, int timeout = 5, params string[] webhooks) => new()
    {
        ["apiVersion"] = "admissionregistration.k8s.io/v1",
        ["kind"] = "ValidatingWebhookConfiguration",
        ["metadata"] = new JsonObject { ["name"] = "rdg" },
        ["webhooks"] = new JsonArray((webhooks.Length == 0 ? ["validate.rollouts.deadline-guard.io"] : webhooks).Select(name => (JsonNode)new JsonObject
        {
            ["name"] = name,
            ["timeoutSeconds"] = timeout,
            ["clientConfig"] = caBundle is null
                ? new JsonObject { ["service"] = new JsonObject { ["name"] = "rdg" } }
                : new JsonObject { ["service"] = new JsonObject { ["name"] = "rdg" }, ["caBundle"] = caBundle },
        }).ToArray()),
    };

    private static string? CaBundle(JsonObject configuration, int webhook = 0) =>
        configuration["webhooks"]![webhook]!["clientConfig"]!["caBundle"]?.GetValue<string>();

    [Fact]
    public void A_field_neither_manifest_renders_keeps_the_value_another_writer_gave_it()
    {
        var live = Configuration("Zm9v");
        live["metadata"]!["resourceVersion"] = "42";

        var updated = HelmUpdateMerge.Apply(Configuration(null), Configuration(null, timeout: 3), live);

        CaBundle(updated).ShouldBe("Zm9v");
        updated["webhooks"]![0]!["timeoutSeconds"]!.GetValue<int>().ShouldBe(3);
        updated["metadata"]!["resourceVersion"]!.GetValue<string>().ShouldBe("42");
    }

    [Fact]
    public void A_field_the_new_manifest_renders_is_reset_to_the_rendered_value()
    {
        var updated = HelmUpdateMerge.Apply(Configuration("cmVuZGVyZWQ="), Configuration("cmVuZGVyZWQ="), Configuration("cGF0Y2hlZA=="));

        CaBundle(updated).ShouldBe("cmVuZGVyZWQ=");
    }

    [Fact]
    public void A_field_rendered_before_and_not_any_more_is_removed()
    {
        var updated = HelmUpdateMerge.Apply(Configuration("cmVuZGVyZWQ="), Configuration(null), Configuration("cGF0Y2hlZA=="));

        CaBundle(updated).ShouldBeNull();
    }

    [Fact]
    public void Webhooks_merge_by_name_keeping_one_another_writer_added_and_dropping_one_the_chart_no_longer_renders()
    {
        var previous = Configuration(null, 5, "a", "b");
        var next = Configuration(null, 5, "a");
        var live = Configuration("Zm9v", 5, "a", "b", "c");

        var updated = HelmUpdateMerge.Apply(previous, next, live);

        updated["webhooks"]!.AsArray().Select(w => w!["name"]!.GetValue<string>()).ShouldBe(["a", "c"]);
        CaBundle(updated).ShouldBe("Zm9v");
    }
}

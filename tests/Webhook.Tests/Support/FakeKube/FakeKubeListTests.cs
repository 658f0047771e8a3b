using System.Text.Json;
using System.Text.Json.Nodes;

namespace DeadlineGuard.Tests.Support.FakeKube;

/// <summary>Lists on the wire, read as raw JSON: member order, paging bounds, remainingItemCount, escaping.</summary>
public sealed class FakeKubeListTests
{
    [Fact]
    public async Task A_custom_resource_list_is_written_with_sorted_members_and_a_built_in_list_in_field_order()
    {
        await using var kube = await FakeKubeApiServer.StartAsync();
        kube.Seed(Rollout("shop", "web"));
        kube.Seed(ReplicaSet("shop", "web-1", "web"));

        var rollouts = await GetAsync(kube, "/apis/argoproj.io/v1alpha1/rollouts");
        var replicaSets = await GetAsync(kube, "/apis/apps/v1/replicasets");

        MemberNames(rollouts).ShouldBe(["apiVersion", "items", "kind", "metadata"]);
        MemberNames(replicaSets).ShouldBe(["kind", "apiVersion", "metadata", "items"]);
    }

    [Fact]
    public async Task Quotes_inside_strings_are_written_as_backslash_quote_as_the_api_server_writes_them()
    {
        await using var kube = await FakeKubeApiServer.StartAsync();
        var rollout = Rollout("shop", "web");
        rollout["metadata"]!["annotations"] = new JsonObject { ["note"] = "say \"hi\" <now>" };
        kube.Seed(rollout);

        var body = await GetAsync(kube, "/apis/argoproj.io/v1alpha1/namespaces/shop/rollouts/web");

        body.ShouldContain("""say \"hi\" <now>""");
        JsonNode.Parse(body)!["metadata"]!["annotations"]!["note"]!.GetValue<string>().ShouldBe("say \"hi\" <now>");
    }

    [Fact]
    public async Task A_namespace_list_pages_through_its_own_objects_only_next_to_namespaces_that_sort_around_it()
    {
        await using var kube = await FakeKubeApiServer.StartAsync();
        // "a-b/..." sorts before "a/..." and "ab/..." after it ('-' < '/' < 'b'): the page bounds must not leak.
        foreach (var (ns, name) in new[] { ("a-b", "x"), ("a", "one"), ("a", "two"), ("a", "three"), ("ab", "y"), ("b", "z") })
        {
            kube.Seed(Rollout(ns, name));
        }

        var first = JsonNode.Parse(await GetAsync(kube, "/apis/argoproj.io/v1alpha1/namespaces/a/rollouts?limit=2"))!;
        var token = first["metadata"]!["continue"]!.GetValue<string>();
        var second = JsonNode.Parse(await GetAsync(kube, $"/apis/argoproj.io/v1alpha1/namespaces/a/rollouts?limit=2&continue={Uri.EscapeDataString(token)}"))!;

        Names(first).ShouldBe(["one", "three"]);
        first["metadata"]!["remainingItemCount"]!.GetValue<int>().ShouldBe(1);
        Names(second).ShouldBe(["two"]);
        second["metadata"]!["continue"].ShouldBeNull();
        second["metadata"]!["remainingItemCount"].ShouldBeNull();
    }

    [Fact]
    public async Task A_list_with_a_selector_has_no_remainingItemCount_and_continues_while_keys_remain_even_if_none_match()
    {
        await using var kube = await FakeKubeApiServer.StartAsync();
        kube.Seed(ReplicaSet("shop", "a", "web"));
        kube.Seed(ReplicaSet("shop", "b", "api"));
        kube.Seed(ReplicaSet("shop", "c", "api"));

        var first = JsonNode.Parse(await GetAsync(kube, "/apis/apps/v1/namespaces/shop/replicasets?limit=1&labelSelector=app%3Dweb"))!;
        var token = first["metadata"]!["continue"]!.GetValue<string>();
        var second = JsonNode.Parse(await GetAsync(kube, $"/apis/apps/v1/namespaces/shop/replicasets?limit=1&labelSelector=app%3Dweb&continue={Uri.EscapeDataString(token)}"))!;

        Names(first).ShouldBe(["a"]);
        first["metadata"]!["remainingItemCount"].ShouldBeNull();
        Names(second).ShouldBeEmpty();
        second["metadata"]!["continue"].ShouldBeNull();
    }

    [Fact]
    public async Task A_created_object_joins_the_next_list_in_key_order_and_a_deleted_one_leaves_it()
    {
        await using var kube = await FakeKubeApiServer.StartAsync();
        kube.Seed(Rollout("shop", "b"));
        kube.Seed(Rollout("shop", "d"));
        Names(JsonNode.Parse(await GetAsync(kube, "/apis/argoproj.io/v1alpha1/rollouts"))!).ShouldBe(["b", "d"]);

        kube.Seed(Rollout("shop", "c"));
        kube.Delete("rollouts", "shop", "b").ShouldBeTrue();
        kube.Modify("rollouts", "shop", "d", r => r["spec"] = new JsonObject { ["replicas"] = 3 });

        var list = JsonNode.Parse(await GetAsync(kube, "/apis/argoproj.io/v1alpha1/rollouts?limit=1"))!;
        Names(list).ShouldBe(["c"]);
        list["metadata"]!["remainingItemCount"]!.GetValue<int>().ShouldBe(1);
        kube.Get("rollouts", "shop", "d")!["spec"]!["replicas"]!.GetValue<int>().ShouldBe(3);
    }

    private static async Task<string> GetAsync(FakeKubeApiServer kube, string pathAndQuery)
    {
        using var http = new HttpClient();
        using var response = await http.GetAsync(new Uri(kube.Url + pathAndQuery));
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsStringAsync();
    }

    private static string[] MemberNames(string json)
    {
        using var document = JsonDocument.Parse(json);
        return [.. document.RootElement.EnumerateObject().Select(p => p.Name)];
    }

    private static string[] Names(JsonNode list) =>
        [.. list["items"]!.AsArray().Select(i => i!["metadata"]!["name"]!.GetValue<string>())];

    private static JsonObject Rollout(string ns, string name) => new()
    {
        ["apiVersion"] = "argoproj.io/v1alpha1",
        ["kind"] = "Rollout",
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns },
        ["spec"] = new JsonObject(),
    };

    private static JsonObject ReplicaSet(string ns, string name, string app) => new()
    {
        ["apiVersion"] = "apps/v1",
        ["kind"] = "ReplicaSet",
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns, ["labels"] = new JsonObject { ["app"] = app } },
    };
}

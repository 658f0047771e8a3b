using System.Text.Json.Nodes;
using DeadlineGuard.Json;

namespace DeadlineGuard.Tests.Admission;

public sealed class JsonPatchDiffTests
{
    private static List<string> Diff(string before, string after) =>
        JsonPatch.Diff(JsonNode.Parse(before), JsonNode.Parse(after))
            .Select(o => $"{o.Op} {o.Path}{(o.Op == "remove" ? string.Empty : " " + (o.Value?.ToJsonString() ?? "null"))}").ToList();

    [Fact]
    public void Equal_documents_give_no_operations() =>
        Diff("""{"a":{"b":[1,2]},"c":"x"}""", """{"c":"x","a":{"b":[1,2]}}""").ShouldBeEmpty();

    [Fact]
    public void A_missing_annotations_map_is_created_whole_with_add() =>
        Diff("""{"metadata":{"name":"web"}}""", """{"metadata":{"name":"web","annotations":{"a/b":"1"}}}""")
            .ShouldBe(["add /metadata/annotations {\"a/b\":\"1\"}"]);

    [Fact]
    public void Keys_with_slash_and_tilde_are_escaped_as_RFC_6901_says() =>
        Diff("""{"annotations":{}}""", """{"annotations":{"deadline-guard.io/history":"x","m~n":"y"}}""")
            .ShouldBe(["add /annotations/deadline-guard.io~1history \"x\"", "add /annotations/m~0n \"y\""]);

    [Fact]
    public void Changed_scalars_are_replaced_and_dropped_keys_removed() =>
        Diff("""{"spec":{"a":1,"b":2}}""", """{"spec":{"a":3}}""").ShouldBe(["replace /spec/a 3", "remove /spec/b"]);

    [Fact]
    public void Arrays_are_replaced_whole() =>
        Diff("""{"list":[1,2,3]}""", """{"list":[1,2]}""").ShouldBe(["replace /list [1,2]"]);
}

using System.Text.Json.Nodes;
using DeadlineGuard.Json;
using DeadlineGuard.Tests.Support.FakeKube;

namespace DeadlineGuard.Tests.Support;

public sealed class JsonPatchApplierTests
{
    private static JsonNode? Apply(string document, string patch) =>
        JsonPatchApplier.Apply(JsonNode.Parse(document), JsonNode.Parse(patch)!.AsArray());

    private static void ShouldBeJson(JsonNode? actual, string expected) =>
        JsonNode.DeepEquals(actual, JsonNode.Parse(expected)).ShouldBeTrue($"got {actual?.ToJsonString() ?? "null"}, expected {expected}");

    [Fact]
    public void Add_creates_a_member_of_an_object()
    {
        ShouldBeJson(Apply("""{"spec":{}}""", """[{"op":"add","path":"/spec/a","value":1}]"""), """{"spec":{"a":1}}""");
    }

    [Fact]
    public void Add_replaces_a_member_that_already_exists()
    {
        ShouldBeJson(Apply("""{"a":1}""", """[{"op":"add","path":"/a","value":[2]}]"""), """{"a":[2]}""");
    }

    [Fact]
    public void Add_inserts_into_an_array_at_an_index_and_appends_with_a_dash()
    {
        ShouldBeJson(Apply("""{"a":[1,3]}""", """[{"op":"add","path":"/a/1","value":2},{"op":"add","path":"/a/-","value":4}]"""), """{"a":[1,2,3,4]}""");
    }

    [Fact]
    public void Add_at_the_root_replaces_the_whole_document()
    {
        ShouldBeJson(Apply("""{"a":1}""", """[{"op":"add","path":"","value":{"b":2}}]"""), """{"b":2}""");
    }

    [Fact]
    public void Add_of_a_null_value_sets_a_json_null()
    {
        ShouldBeJson(Apply("""{}""", """[{"op":"add","path":"/a","value":null}]"""), """{"a":null}""");
    }

    [Fact]
    public void Remove_deletes_an_object_member_and_an_array_item()
    {
        ShouldBeJson(Apply("""{"a":1,"b":[1,2,3]}""", """[{"op":"remove","path":"/a"},{"op":"remove","path":"/b/0"}]"""), """{"b":[2,3]}""");
    }

    [Fact]
    public void Replace_changes_an_existing_value()
    {
        ShouldBeJson(Apply("""{"a":{"b":1},"c":[1,2]}""", """[{"op":"replace","path":"/a/b","value":"x"},{"op":"replace","path":"/c/1","value":9}]"""), """{"a":{"b":"x"},"c":[1,9]}""");
    }

    [Fact]
    public void An_escaped_slash_segment_addresses_a_key_containing_a_slash()
    {
        ShouldBeJson(
            Apply("""{"metadata":{"annotations":{}}}""", """[{"op":"add","path":"/metadata/annotations/a~1b","value":"v"}]"""),
            """{"metadata":{"annotations":{"a/b":"v"}}}""");
    }

    [Fact]
    public void An_escaped_tilde_segment_addresses_a_key_containing_a_tilde()
    {
        ShouldBeJson(Apply("""{"m~n":1}""", """[{"op":"replace","path":"/m~0n","value":2}]"""), """{"m~n":2}""");
    }

    [Fact]
    public void Pointer_unescaping_turns_tilde_one_into_slash_before_tilde_zero_into_tilde()
    {
        // "~01" is "~0" then "1": the key "~1", not "/". Unescaping in the other order would give "/".
        JsonPatchApplier.ParsePointer("/~01/a~1b/m~0n/~0~1").ShouldBe(["~1", "a/b", "m~n", "~/"]);
        ShouldBeJson(Apply("""{"~1":0,"/":0}""", """[{"op":"replace","path":"/~01","value":1}]"""), """{"~1":1,"/":0}""");
    }

    [Fact]
    public void Patches_built_by_the_webhook_round_trip_through_escaping()
    {
        var original = JsonNode.Parse("""{"metadata":{"annotations":{"a/b~c":"x"}}}""");
        var mutated = JsonNode.Parse("""{"metadata":{"annotations":{"a/b~c":"y","d~/e":"z"}}}""");
        PatchOperation[] patch =
        [
            PatchOperation.Replace(JsonPointer.Append("/metadata/annotations", "a/b~c"), "y"),
            PatchOperation.Add(JsonPointer.Append("/metadata/annotations", "d~/e"), "z"),
        ];
        var result = JsonPatchApplier.Apply(original, patch);
        JsonNode.DeepEquals(result, mutated).ShouldBeTrue(result?.ToJsonString());
    }

    [Fact]
    public void Apply_leaves_the_input_document_unchanged()
    {
        var document = JsonNode.Parse("""{"a":1}""");
        JsonPatchApplier.Apply(document, JsonNode.Parse("""[{"op":"replace","path":"/a","value":2}]""")!.AsArray());
        document!["a"]!.GetValue<int>().ShouldBe(1);
    }

    [Theory]
    [InlineData("""{"a":1}""", """[{"op":"replace","path":"/b","value":2}]""")]
    [InlineData("""{"a":1}""", """[{"op":"remove","path":"/b"}]""")]
    [InlineData("""{"a":1}""", """[{"op":"add","path":"/b/c","value":2}]""")]
    [InlineData("""{"a":{}}""", """[{"op":"add","path":"/a/b/c","value":2}]""")]
    [InlineData("""{"a":[1]}""", """[{"op":"add","path":"/a/2","value":2}]""")]
    [InlineData("""{"a":[1]}""", """[{"op":"replace","path":"/a/1","value":2}]""")]
    [InlineData("""{"a":[1]}""", """[{"op":"remove","path":"/a/-"}]""")]
    [InlineData("""{"a":[1]}""", """[{"op":"add","path":"/a/01","value":2}]""")]
    [InlineData("""{"a/b":1}""", """[{"op":"replace","path":"/a/b","value":2}]""")]
    [InlineData("""{"a":1}""", """[{"op":"replace","path":"a","value":2}]""")]
    [InlineData("""{"a~2":1}""", """[{"op":"replace","path":"/a~2","value":2}]""")]
    [InlineData("""{"a":1}""", """[{"op":"add","path":"/a/b","value":2}]""")]
    [InlineData("""{"a":1}""", """[{"op":"add","path":"/b"}]""")]
    [InlineData("""{"a":1}""", """[{"op":"move","from":"/a","path":"/b"}]""")]
    public void A_path_that_does_not_exist_or_a_malformed_operation_is_an_error(string document, string patch)
    {
        Should.Throw<JsonPatchApplyException>(() => Apply(document, patch));
    }
}

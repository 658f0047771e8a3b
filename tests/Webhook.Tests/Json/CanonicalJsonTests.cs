using System.Text.Json;
using System.Text.Json.Nodes;
using CsCheck;
using DeadlineGuard.Json;
using DeadlineGuard.Tests.Properties;

namespace DeadlineGuard.Tests.Json;

/// <summary>The canonical form read from a parsed element must be the one written from a node tree: fingerprints recorded by the webhook are recomputed from the reconciler's watch stream.</summary>
public sealed class CanonicalJsonTests
{
    [Theory]
    [InlineData("""{"b":1,"a":{"d":[3,{"z":null,"y":"é日"}],"c":60.0}}""", """{"a":{"c":60.0,"d":[3,{"y":"é日","z":null}]},"b":1}""")]
    [InlineData("""{"\u00e9":1,"e":2,"E":3}""", """{"E":3,"e":2,"é":1}""")]
    [InlineData("""{"a\"b":"<tag> & 'q'"}""", """{"a\"b":"<tag> & 'q'"}""")]
    [InlineData("null", "null")]
    public void Serializes_sorted_and_compact_from_an_element_as_from_a_node(string json, string canonical)
    {
        using var document = JsonDocument.Parse(json);
        System.Text.Encoding.UTF8.GetString(CanonicalJson.Serialize(document.RootElement)).ShouldBe(canonical);
        System.Text.Encoding.UTF8.GetString(CanonicalJson.Serialize(JsonNode.Parse(json))).ShouldBe(canonical);
    }

    [Fact]
    public void An_undefined_element_fingerprints_as_null_does() =>
        CanonicalJson.Fingerprint(default(JsonElement)).ShouldBe(CanonicalJson.Fingerprint((JsonNode?)null));

    [Fact]
    public void Element_and_node_fingerprints_agree_for_generated_rollouts() =>
        RolloutGen.Rollout.Sample(rollout =>
        {
            var text = rollout.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
            using var document = JsonDocument.Parse(text);
            return CanonicalJson.Fingerprint(document.RootElement) == CanonicalJson.Fingerprint(JsonNode.Parse(text));
        }, iter: 300);

    /// <summary>Small values from a small alphabet, so that two draws are often equal or nearly so; names and strings sometimes escaped.</summary>
    private static Gen<string> Value(int depth) => depth == 0
        ? Gen.OneOf(Gen.Const("1"), Gen.Const("1.0"), Gen.Const("\"a\""), Gen.Const("\"\\u0061\""), Gen.Const("null"), Gen.Const("true"))
        : Gen.Frequency(
            (3, Value(0)),
            (2, Gen.Select(Gen.OneOf("a", "b", "c", "\\u0062"), Value(depth - 1)).Array[0, 3].Select(members =>
            {
                var distinct = members.GroupBy(m => m.Item1.Replace("\\u0062", "b", StringComparison.Ordinal)).Select(g => g.First());
                return "{" + string.Join(",", distinct.Select(m => $"\"{m.Item1}\":{m.Item2}")) + "}";
            })),
            (1, Value(depth - 1).Array[0, 3].Select(items => "[" + string.Join(",", items) + "]")));

    [Fact]
    public void Equal_says_whether_the_canonical_forms_are_equal_without_writing_them() =>
        Gen.Select(Value(3), Value(3)).Sample((left, right) =>
        {
            using var a = JsonDocument.Parse(left);
            using var b = JsonDocument.Parse(right);
            var same = CanonicalJson.Serialize(a.RootElement).AsSpan().SequenceEqual(CanonicalJson.Serialize(b.RootElement));
            CanonicalJson.Equal(a.RootElement, b.RootElement).ShouldBe(same, $"{left} vs {right}");
        }, iter: 5000);

    [Theory]
    [InlineData("""{"b":1,"a":{"d":2,"c":3}}""", """{"a":{"c":3,"d":2},"b":1}""", true)]
    [InlineData("""{"a":"\u0041"}""", """{"a":"A"}""", true)]
    [InlineData("""{"a":1.0}""", """{"a":1}""", false)]
    [InlineData("""{"a":[1,2]}""", """{"a":[2,1]}""", false)]
    [InlineData("""{"a":1}""", """{"a":1,"b":null}""", false)]
    public void Equal_ignores_key_order_and_escapes_but_not_number_spelling_or_list_order(string left, string right, bool expected)
    {
        using var a = JsonDocument.Parse(left);
        using var b = JsonDocument.Parse(right);

        CanonicalJson.Equal(a.RootElement, b.RootElement).ShouldBe(expected);
    }

    [Fact]
    public void An_undefined_element_equals_null_only() =>
        CanonicalJson.Equal(default, JsonDocument.Parse("null").RootElement).ShouldBeTrue();
}


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
}

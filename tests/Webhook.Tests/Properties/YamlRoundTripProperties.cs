using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using CsCheck;
using DeadlineGuard.Json;
using Xunit.Abstractions;

namespace DeadlineGuard.Tests.Properties;

/// <summary>JSON is YAML: reading a JSON document through the YAML reader must give back the same JSON, types included.</summary>
public sealed class YamlRoundTripProperties(ITestOutputHelper output)
{
    private const long Iterations = 1000;

    /// <summary>A Rollout is a few kilobytes of YAML in four layouts; fewer of them keep the run short.</summary>
    private const long RolloutIterations = 500;

    /// <summary>The four ways a JSON writer might lay a document out: compact or indented, with non-ASCII escaped or raw.</summary>
    private static readonly JsonSerializerOptions[] Layouts =
    [
        new() { WriteIndented = false },
        new() { WriteIndented = true },
        new() { WriteIndented = false, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping },
        new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping },
    ];

    private static readonly Gen<JsonNode?> Scalar = Gen.Frequency(
        (4, Gen.OneOf(RolloutGen.TrickyStrings).Select(s => (JsonNode?)s)),
        (2, Gen.Int.Select(i => (JsonNode?)i)),
        (1, Gen.Long.Select(l => (JsonNode?)l)),
        (1, Gen.Double.Where(double.IsFinite).Select(d => (JsonNode?)d)),
        (2, Gen.OneOf("0", "-0", "60.0", "6e2", "1E+99", "-1e-7", "0.5", "99999999999999999999999", "1.7976931348623157E+308").Select(text => JsonNode.Parse(text))),
        (1, Gen.Bool.Select(b => (JsonNode?)b)),
        (1, Gen.Const<JsonNode?>(() => null)));

    private static readonly Gen<string> Key = Gen.Frequency(
        (3, Gen.OneOf(RolloutGen.TrickyStrings).Where(s => s.Length > 0)),
        (2, Gen.Char["abz09-._~/: #"].Array[1, 8].Select(chars => new string(chars))));

    /// <summary>Any JSON document: nested objects and arrays of tricky scalars under tricky keys.</summary>
    private static readonly Gen<JsonNode?> Document = Gen.Recursive<JsonNode?>((depth, tree) => depth >= 4
        ? Scalar
        : Gen.Frequency(
            (3, Scalar),
            (1, tree.Array[0, 4].Select(items => (JsonNode?)new JsonArray(items))),
            (2, Gen.Select(Key, tree).Array[0, 4].Select(members =>
            {
                var obj = new JsonObject();
                foreach (var (key, value) in members)
                {
                    obj[key] = value;
                }

                return (JsonNode?)obj;
            }))));

    private static void ShouldRoundTrip(JsonNode? document)
    {
        foreach (var layout in Layouts)
        {
            var json = JsonSerializer.Serialize(document, layout);
            var parsed = YamlJson.ParseStream(json).ShouldHaveSingleItem().Root;
            if (!JsonNode.DeepEquals(parsed, document))
            {
                parsed?.ToJsonString().ShouldBe(document?.ToJsonString(), $"JSON {json} read back differently");
                JsonNode.DeepEquals(parsed, document).ShouldBeTrue($"JSON {json} read back as {parsed?.ToJsonString() ?? "null"}");
            }
        }
    }

    [Fact]
    public void A_generated_rollout_written_as_json_reads_back_through_yaml_unchanged()
    {
        RolloutGen.Rollout.Sample(rollout => ShouldRoundTrip(rollout), iter: RolloutIterations, writeLine: output.WriteLine, print: r => r.ToJsonString());
    }

    [Fact]
    public void Any_json_document_reads_back_through_yaml_unchanged()
    {
        Document.Where(d => d is JsonObject or JsonArray).Sample(
            document => ShouldRoundTrip(document), iter: Iterations, writeLine: output.WriteLine, print: d => d?.ToJsonString() ?? "null");
    }

    /// <summary>
    /// The spellings go-yaml (and so kubectl) reads as a float: <c>[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?</c>,
    /// among them ".5", "5." and "1.e3", which are not JSON numbers. Whole numbers with a leading zero are left out:
    /// go-yaml reads those as octal.
    /// </summary>
    private static readonly Gen<string> YamlFloatSpelling =
        from sign in Gen.OneOf("", "", "+", "-")
        from whole in Gen.Char["0123456789"].Array[0, 6].Select(chars => new string(chars))
        from dot in Gen.Bool
        from fraction in Gen.Char["0123456789"].Array[0, 6].Select(chars => new string(chars))
        from exponent in Gen.OneOf("", "", "e3", "E-2", "e+10", "e0", "e400")
        let mantissa = dot ? whole + "." + fraction : whole
        where whole.Length > 0 || (dot && fraction.Length > 0)
        where dot || exponent.Length > 0 || whole.Length == 1 || whole[0] != '0'
        select sign + mantissa + exponent;

    [Fact]
    public void A_plain_yaml_number_in_any_float_spelling_reads_as_the_same_json_number()
    {
        YamlFloatSpelling.Sample(
            spelling =>
            {
                var value = YamlJson.ParseStream("value: " + spelling + "\n").Single().Root!["value"];
                var expected = double.Parse(spelling, NumberStyles.Float, CultureInfo.InvariantCulture);
                if (!double.IsFinite(expected))
                {
                    // go-yaml cannot hold it in a float64 and keeps the text.
                    value!.GetValueKind().ShouldBe(JsonValueKind.String);
                    return;
                }

                value!.GetValueKind().ShouldBe(JsonValueKind.Number);
                value.GetValue<double>().ShouldBe(expected);
            },
            iter: Iterations,
            writeLine: output.WriteLine);
    }

    [Theory]
    [InlineData("yes")]
    [InlineData("1e3")]
    [InlineData("0x10")]
    [InlineData("null")]
    [InlineData("~")]
    [InlineData("")]
    [InlineData("012")]
    [InlineData("12:30")]
    [InlineData(".inf")]
    public void A_quoted_json_string_that_looks_like_another_type_stays_a_string(string text)
    {
        var document = new JsonObject { ["value"] = text };
        ShouldRoundTrip(document);
        YamlJson.ParseStream(document.ToJsonString()).Single().Root!["value"]!.GetValueKind().ShouldBe(JsonValueKind.String);
    }

    [Theory]
    [InlineData("600", JsonValueKind.Number)]
    [InlineData("6e2", JsonValueKind.Number)]
    [InlineData("true", JsonValueKind.True)]
    [InlineData("\"600\"", JsonValueKind.String)]
    public void A_json_scalar_keeps_its_kind_through_yaml(string json, JsonValueKind kind)
    {
        var parsed = YamlJson.ParseStream("{\"value\": " + json + "}").Single().Root!["value"]!;
        parsed.GetValueKind().ShouldBe(kind);
        parsed.ToJsonString().ShouldBe(JsonNode.Parse(json)!.ToJsonString(), StringCompareShould.IgnoreCase);
    }
}

using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using CsCheck;
using DeadlineGuard.History;
using DeadlineGuard.Json;
using DeadlineGuard.Reconciler;
using DeadlineGuard.Tests.Properties;
using DeadlineGuard.Tests.Support;
using Xunit.Abstractions;

namespace DeadlineGuard.Tests.Reconciler;

/// <summary>
/// The fingerprint the decoder computes from the stream is byte for byte the one the webhook records with
/// <see cref="RevisionDetector.Fingerprint(JsonObject)"/>: otherwise no history entry would ever match.
/// </summary>
public sealed class TemplateFingerprintTests(ITestOutputHelper output)
{
    /// <summary>The ways an API server or a proxy might lay the same JSON out: compact or indented, non-ASCII escaped or raw.</summary>
    private static readonly JsonSerializerOptions[] Layouts =
    [
        new() { WriteIndented = false },
        new() { WriteIndented = true },
        new() { WriteIndented = false, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping },
        new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping },
    ];

    private static readonly DateTimeOffset Now = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);

    /// <summary>What the webhook records for the Rollout in <paramref name="json"/>, parsed as the admission request is.</summary>
    private static string Webhook(byte[] json) => RevisionDetector.Fingerprint(JsonNode.Parse(json)!.AsObject());

    private static string Decoder(byte[] json) => TemplateFingerprint.Format(Snapshots.From(json).Fingerprint);

    private static void ShouldAgree(JsonObject rollout, string what)
    {
        foreach (var layout in Layouts)
        {
            var json = JsonSerializer.SerializeToUtf8Bytes(rollout, layout);
            Decoder(json).ShouldBe(Webhook(json), $"{what}, laid out as {Encoding.UTF8.GetString(json)}");
        }
    }

    [Fact]
    public void The_decoder_and_the_webhook_agree_on_the_reconcilers_test_rollouts()
    {
        var (stuck, others) = RolloutObjects.Cluster(RolloutObjects.Rev4Started, RolloutObjects.Rev4Started);
        foreach (var rollout in others.Prepend(stuck))
        {
            ShouldAgree(rollout, RolloutObjects.Name(rollout));
        }
    }

    [Fact]
    public void The_decoder_and_the_webhook_agree_on_realistic_rollouts_including_workloadRef_ones()
    {
        var workloadRefs = 0;
        for (var i = 0; i < 40; i++)
        {
            var rollout = RealisticRollouts.Create(i, Now);
            workloadRefs += rollout["spec"]!["workloadRef"] is null ? 0 : 1;
            ShouldAgree(rollout, $"realistic rollout {i}");
            Snapshots.From(rollout).History.ShouldBe(HistoryState.Matched, $"realistic rollout {i}: its last entry is its current revision");
        }

        workloadRefs.ShouldBe(4);
    }

    [SkippableFact]
    public void The_decoder_and_the_webhook_agree_on_the_upstream_example_rollouts()
    {
        TestPaths.RequireArgoFixtures();
        var rollouts = Directory.EnumerateFiles(TestPaths.ArgoFixtures, "*.yaml")
            .Concat(Directory.EnumerateFiles(Path.Combine(TestPaths.RepositoryRoot, "examples", "rollouts"), "*.yaml"))
            .SelectMany(file => YamlJson.ParseStream(File.ReadAllText(file)).Select(d => (File: Path.GetFileName(file), d.Root)))
            .Where(d => d.Root is JsonObject o && o["kind"]?.GetValueKind() == JsonValueKind.String && o["kind"]!.GetValue<string>() == "Rollout")
            .ToList();
        rollouts.Count.ShouldBeGreaterThan(8);

        foreach (var (file, root) in rollouts)
        {
            var rollout = root!.AsObject();
            ShouldAgree(rollout, file);
            if (rollout["spec"]?["workloadRef"] is not null)
            {
                // With and without the controller's workload-generation annotation.
                var annotated = (JsonObject)rollout.DeepClone();
                ((annotated["metadata"] ??= new JsonObject())["annotations"] ??= new JsonObject())[RevisionDetector.WorkloadGenerationAnnotation] = "7";
                ShouldAgree(annotated, file + " with a workload generation");
            }
        }
    }

    [Fact]
    public void The_decoder_and_the_webhook_agree_on_generated_rollouts()
    {
        RolloutGen.Rollout.Sample(rollout => ShouldAgree(rollout, "generated"), iter: 300, writeLine: output.WriteLine, print: r => r.ToJsonString());
    }

    private static readonly Gen<string> Key = Gen.Frequency(
        (3, Gen.OneOf(RolloutGen.TrickyStrings)),
        (2, Gen.OneOf("a", "b", "A", "é", "\uE000", "\uFFFD", "\uFF21", "😀", "\U0001F600x", "a😀", "a\uE000", "\u007F", "\u0080", "ab")),
        (2, Gen.Char["abz09-._~/: #\"\\\u00e9\u65e5\ue000"].Array[1, 6].Select(chars => new string(chars))));

    private static readonly Gen<JsonNode?> Scalar = Gen.Frequency(
        (4, Gen.OneOf(RolloutGen.TrickyStrings).Select(s => (JsonNode?)s)),
        (2, Gen.Int.Select(i => (JsonNode?)i)),
        (2, Gen.OneOf("0", "-0", "60.0", "6e2", "1E+99", "-1e-7", "1.50", "99999999999999999999999", "1.7976931348623157E+308").Select(text => JsonNode.Parse(text))),
        (1, Gen.Bool.Select(b => (JsonNode?)b)),
        (1, Gen.Const<JsonNode?>(() => null)));

    /// <summary>Any JSON value: nested objects and arrays of tricky scalars under keys whose UTF-8 and UTF-16 orders differ.</summary>
    private static readonly Gen<JsonNode?> Value = Gen.Recursive<JsonNode?>((depth, tree) => depth >= 4
        ? Scalar
        : Gen.Frequency(
            (2, Scalar),
            (1, tree.Array[0, 4].Select(items => (JsonNode?)new JsonArray(items))),
            (3, Gen.Select(Key, tree).Array[0, 6].Select(members =>
            {
                var obj = new JsonObject();
                foreach (var (key, value) in members)
                {
                    obj[key] = value;
                }

                return (JsonNode?)obj;
            }))));

    [Fact]
    public void The_decoder_and_the_webhook_agree_on_any_template_and_any_workloadRef()
    {
        Gen.Select(Value, Gen.Int[0, 3], Gen.Int[0, 3], (value, where, generation) => (Value: value, Where: where, Generation: generation)).Sample(
            sample =>
            {
                var (value, where, generation) = (sample.Value, sample.Where, sample.Generation switch { 0 => (JsonNode?)null, 1 => "3", 2 => 3, _ => "" });
                var spec = new JsonObject();
                var rollout = new JsonObject { ["metadata"] = new JsonObject { ["annotations"] = new JsonObject() }, ["spec"] = spec };
                switch (where)
                {
                    case 0:
                        spec["template"] = value;
                        break;
                    case 1:
                        spec["workloadRef"] = value;
                        break;
                    case 2:
                        spec["workloadRef"] = value;
                        spec["template"] = new JsonObject { ["ignored"] = true };
                        break;
                    default:
                        rollout["spec"] = value; // a spec that may be anything
                        break;
                }

                if (generation is not null)
                {
                    rollout["metadata"]!["annotations"]![RevisionDetector.WorkloadGenerationAnnotation] = generation;
                }

                ShouldAgree(rollout, "generated template");
            },
            iter: 2000,
            writeLine: output.WriteLine,
            print: sample => $"{sample.Where} {sample.Generation} {sample.Value?.ToJsonString()}");
    }

    [Fact]
    public void Object_keys_sort_as_dotnet_strings_do_even_where_utf8_order_differs()
    {
        // U+E000 sorts after U+1F600 by code point (UTF-8 bytes) but before it as UTF-16 units (surrogates D83D...).
        string[] keys = ["\uE000", "😀", "a", "é", "\uFFFD", "\uFF21"];
        var template = new JsonObject();
        foreach (var key in keys)
        {
            template[key] = key;
        }

        var expected = CanonicalJson.Serialize(template);
        var json = JsonSerializer.SerializeToUtf8Bytes(new JsonObject { ["spec"] = new JsonObject { ["template"] = template } });

        Encoding.UTF8.GetString(expected).ShouldStartWith("{\"a\":\"a\",\"é\":\"é\",\"\\uD83D\\uDE00\":\"\\uD83D\\uDE00\",\"\\uE000\"");
        Decoder(json).ShouldBe(CanonicalJson.Fingerprint(template));
        TemplateFingerprint.CompareOrdinalUtf16(Encoding.UTF8.GetBytes("😀"), Encoding.UTF8.GetBytes("\uE000")).ShouldBeLessThan(0);
        TemplateFingerprint.CompareOrdinalUtf16(Encoding.UTF8.GetBytes("\uFFFD"), Encoding.UTF8.GetBytes("😀")).ShouldBeGreaterThan(0);
    }

    [Fact]
    public void Json_null_and_a_missing_template_have_the_fingerprint_of_null()
    {
        Decoder("""{"spec":{}}"""u8.ToArray()).ShouldBe(CanonicalJson.Fingerprint((JsonNode?)null));
        Decoder("""{"spec":{"template":null,"workloadRef":null}}"""u8.ToArray()).ShouldBe(CanonicalJson.Fingerprint((JsonNode?)null));
    }
}

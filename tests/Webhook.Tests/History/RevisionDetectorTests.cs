using System.Text.Json;
using System.Text.Json.Nodes;
using CsCheck;
using DeadlineGuard.History;
using DeadlineGuard.Json;
using DeadlineGuard.Tests.Properties;
using DeadlineGuard.Tests.Support;

namespace DeadlineGuard.Tests.History;

/// <summary>The webhook reads the request once; the reconciler recomputes fingerprints from its own tree. Both must agree byte for byte.</summary>
public sealed class RevisionDetectorTests
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    private static RolloutView ViewOf(byte[] json) => RolloutView.Parse(json);

    /// <summary>
    /// The same Rollout written three ways: as generated (keys in insertion order), in canonical form (keys sorted,
    /// compact: its raw template bytes are hashed as they are) and indented (they are not).
    /// </summary>
    [Fact]
    public void The_fingerprint_read_from_a_request_is_the_one_the_reconciler_computes_from_a_tree_however_it_is_written() =>
        RolloutGen.Rollout.Sample(rollout =>
        {
            var expected = RevisionDetector.Fingerprint(rollout);
            foreach (var text in new[]
            {
                JsonSerializer.SerializeToUtf8Bytes(rollout),
                CanonicalJson.Serialize(rollout),
                JsonSerializer.SerializeToUtf8Bytes(rollout, Indented),
            })
            {
                RevisionDetector.Fingerprint(RolloutView.Parse(text)).ShouldBe(expected, System.Text.Encoding.UTF8.GetString(text));
            }
        }, iter: 500);

    [Fact]
    public void A_sorted_compact_ascii_template_is_hashed_as_it_is_and_any_other_is_not()
    {
        var sorted = ViewOf("""{"spec":{"template":{"a":[1,"x y",{"b":null,"c":true}],"z":"~!<&>"}}}"""u8.ToArray());
        var spaced = ViewOf("""{"spec":{"template":{"a": 1}}}"""u8.ToArray());
        var unsorted = ViewOf("""{"spec":{"template":{"b":1,"a":2}}}"""u8.ToArray());
        var escaped = ViewOf("""{"spec":{"template":{"a":"\u0041"}}}"""u8.ToArray());
        var unicode = ViewOf("""{"spec":{"template":{"a":"é"}}}"""u8.ToArray());

        sorted.TemplateSlot.CanonicalReady.ShouldBeTrue();
        spaced.TemplateSlot.CanonicalReady.ShouldBeFalse("white space");
        unsorted.TemplateSlot.CanonicalReady.ShouldBeFalse("keys out of order");
        escaped.TemplateSlot.CanonicalReady.ShouldBeFalse("an escape");
        unicode.TemplateSlot.CanonicalReady.ShouldBeFalse("not ASCII");
    }

    [Fact]
    public void Every_printable_ascii_character_is_written_unchanged_by_the_canonical_form()
    {
        for (var c = ' '; c <= '~'; c++)
        {
            if (c is '"' or '\\')
            {
                continue;
            }

            var raw = $"{{\"k{c}\":\"v{c}\"}}";
            using var document = JsonDocument.Parse(raw);
            System.Text.Encoding.UTF8.GetString(CanonicalJson.Serialize(document.RootElement)).ShouldBe(raw, $"character {(int)c}");
        }
    }

    public static TheoryData<string> WorkloadRollouts => new()
    {
        """{"spec":{"workloadRef":{"apiVersion":"apps/v1","kind":"Deployment","name":"web"}}}""",
        """{"metadata":{"annotations":{"rollout.argoproj.io/workload-generation":"7"}},"spec":{"workloadRef":{"name":"web","kind":"Deployment"}}}""",
        """{"metadata":{"annotations":{"rollout.argoproj.io/workload-generation":7}},"spec":{"workloadRef":{"name":"w\u00e9b"},"template":{"a":1}}}""",
        """{"spec":{"workloadRef":null,"template":{"b":2,"a":[1,{"d":null,"c":"x"}]}}}""",
        """{"spec":"odd"}""",
        """{}""",
    };

    [Theory]
    [MemberData(nameof(WorkloadRollouts))]
    public void Workload_and_template_fingerprints_agree_with_the_tree_form(string json)
    {
        var rollout = JsonNode.Parse(json)!.AsObject();

        RevisionDetector.Fingerprint(Reviews.View(rollout)).ShouldBe(RevisionDetector.Fingerprint(rollout));
    }

    private static RevisionStart? Detect(string next, string previous) =>
        RevisionDetector.Detect("UPDATE", Reviews.View(JsonNode.Parse(next)!), Reviews.View(JsonNode.Parse(previous)!));

    [Theory]
    [InlineData("""{"spec":{"template":{"a":1,"b":{"c":2}}}}""", """{"spec":{"template":{"a":1,"b":{"c":2}}}}""")]
    [InlineData("""{"spec":{"template":{"b":{"c":2},"a":1}}}""", """{"spec":{"template":{"a":1,"b":{"c":2}}}}""")]
    [InlineData("""{"spec":{"template":{"a":"\u0041"}}}""", """{"spec":{"template":{"a":"A"}}}""")]
    [InlineData("""{"spec":{"replicas":3,"template":null}}""", """{"spec":{"replicas":2}}""")]
    public void The_same_template_in_other_bytes_starts_no_revision(string next, string previous) =>
        Detect(next, previous).ShouldBeNull();

    [Fact]
    public void A_changed_template_starts_a_template_revision_fingerprinted_like_the_tree_form()
    {
        const string Next = """{"spec":{"template":{"spec":{"containers":[{"image":"nginx:2","name":"app"}]}}}}""";

        var start = Detect(Next, """{"spec":{"template":{"spec":{"containers":[{"image":"nginx:1","name":"app"}]}}}}""");

        start.ShouldNotBeNull();
        start.Trigger.ShouldBe(RevisionEntry.Template);
        start.Fingerprint.ShouldBe(RevisionDetector.Fingerprint(JsonNode.Parse(Next)!.AsObject()));
        start.Fingerprint.ShouldBe(CanonicalJson.Fingerprint(JsonNode.Parse(Next)!["spec"]!["template"]));
    }

    [Fact]
    public void A_workload_generation_change_starts_a_workload_revision()
    {
        var start = Detect(
            """{"metadata":{"annotations":{"rollout.argoproj.io/workload-generation":"2"}},"spec":{"workloadRef":{"name":"web"}}}""",
            """{"metadata":{"annotations":{"rollout.argoproj.io/workload-generation":"1"}},"spec":{"workloadRef":{"name":"web"}}}""");

        start!.Trigger.ShouldBe(RevisionEntry.Workload);
    }
}

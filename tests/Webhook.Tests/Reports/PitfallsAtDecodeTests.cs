using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using DeadlineGuard.Pitfalls;
using DeadlineGuard.Policy;
using DeadlineGuard.Reconciler;
using DeadlineGuard.Tests.Pitfalls;
using DeadlineGuard.Tests.Reconciler;

namespace DeadlineGuard.Tests.Reports;

/// <summary>Each snapshot carries the pitfalls of its own object, found while the list reader holds its bytes, and the spec fields the rules read.</summary>
public sealed class PitfallsAtDecodeTests
{
    private static readonly PitfallContext Plain = new(null, 0, false, []);

    private static JsonObject[] Items() =>
    [
        PitfallRollouts.Parse(PitfallRollouts.CleanCanary),
        PitfallRollouts.With(PitfallRollouts.CleanCanary, ("metadata.name", "no-probe"), ("spec.template.spec.containers.0.readinessProbe", "~remove")),
        PitfallRollouts.With(PitfallRollouts.CleanBlueGreen, ("metadata.name", "bg"), ("spec.strategy.blueGreen.abortScaleDownDelaySeconds", "~remove"), ("spec.strategy.blueGreen.autoPromotionEnabled", "false")),
        PitfallRollouts.With(PitfallRollouts.CleanCanary, ("metadata.name", "ignored"), ("spec.template.spec.containers.0.readinessProbe", "~remove"), ("metadata.annotations", "{deadline-guard.io/ignore-pitfalls: DG102}")),
        RolloutObjects.StuckRevision4(),
        PitfallRollouts.With(PitfallRollouts.CleanBlueGreen, ("metadata.name", "odd-ignore"), ("spec.strategy.blueGreen.abortScaleDownDelaySeconds", "30"), ("metadata.annotations", "{deadline-guard.io/ignore-pitfalls: [DG101]}")),
        PitfallRollouts.With(PitfallRollouts.CleanBlueGreen, ("metadata.name", "workload"), ("spec.template", "~remove"), ("spec.workloadRef", "{apiVersion: apps/v1, kind: Deployment, name: web}")),
    ];

    [Theory]
    [InlineData(64)]
    [InlineData(4096)]
    [InlineData(1 << 20)]
    public async Task Each_item_of_a_list_gets_the_pitfalls_the_detector_finds_in_it_alone(int chunk)
    {
        var items = Items();
        var page = Encoding.UTF8.GetBytes(new JsonObject
        {
            ["apiVersion"] = "argoproj.io/v1alpha1",
            ["items"] = new JsonArray([.. items.Select(i => (JsonNode)i.DeepClone())]),
            ["kind"] = "RolloutList",
            ["metadata"] = new JsonObject { ["resourceVersion"] = "7" },
        }.ToJsonString());
        var reader = new RolloutListReader(new RolloutDecoder(new StringPool(), DeadlinePolicy.BuiltIn.Exemptions.Annotation, keepSelector: false, RolloutPitfalls.Find));

        await reader.ReadAsync(new ChunkedStream(page, chunk), CancellationToken.None);

        reader.Items.Count.ShouldBe(items.Length);
        for (var i = 0; i < items.Length; i++)
        {
            var expected = PitfallDetector.Detect(JsonSerializer.SerializeToElement(items[i]), Plain).Ids;
            reader.Items[i].Pitfalls.Judged.ShouldBeTrue();
            reader.Items[i].Pitfalls.Ids.ShouldBe(expected, $"item {i}");
        }

        reader.Items.Select(s => s.Pitfalls.IsEmpty).ShouldBe([true, false, false, true, false, false, true]);
    }

    [Fact]
    public void Without_a_finder_nothing_is_judged()
    {
        var snapshot = Snapshots.From(RolloutObjects.StuckRevision4());

        snapshot.Pitfalls.Judged.ShouldBeFalse();
        snapshot.Pitfalls.Ids.ShouldBeEmpty();
    }

    [Theory]
    [InlineData("60", 60, null)]
    [InlineData("\"60\"", null, "\"60\" (a string)")]
    [InlineData("6.5", null, "6.5")]
    [InlineData("null", null, "null")]
    [InlineData("{}", null, "a mapping")]
    [InlineData("[1]", null, "a list")]
    [InlineData("1e99", null, "1e99")]
    public void An_odd_deadline_is_described_as_the_webhook_describes_it(string json, int? seconds, string? found)
    {
        var snapshot = Snapshots.From("""{"metadata":{"name":"a","namespace":"b"},"spec":{"progressDeadlineSeconds":""" + json + ""","minReadySeconds":45}}""");

        snapshot.SpecDeadlineSeconds.ShouldBe(seconds);
        snapshot.SpecDeadlineFound.ShouldBe(found);
        snapshot.MinReadySeconds.ShouldBe(45);
        if (found is not null)
        {
            DeadlineGuard.Json.JsonValues.Describe(JsonNode.Parse(json)).ShouldBe(found);
        }
    }

    [Theory]
    [InlineData(",\"progressDeadlineAbort\":true", true, null)]
    [InlineData(",\"progressDeadlineAbort\":false", false, "false")]
    [InlineData(",\"progressDeadlineAbort\":\"true\"", false, "\"true\" (a string)")]
    [InlineData(",\"progressDeadlineAbort\":null", false, "null")]
    [InlineData("", false, null)]
    public void An_abort_that_is_not_true_is_described(string member, bool abort, string? found)
    {
        var snapshot = Snapshots.From("""{"metadata":{"name":"a","namespace":"b"},"spec":{"replicas":1""" + member + "}}");

        snapshot.SpecAbort.ShouldBe(abort);
        snapshot.SpecAbortFound.ShouldBe(found);
    }
}

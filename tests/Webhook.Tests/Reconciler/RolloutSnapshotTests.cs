using System.Text.Json;
using System.Text.Json.Nodes;
using DeadlineGuard.History;
using DeadlineGuard.Reconciler;

namespace DeadlineGuard.Tests.Reconciler;

public sealed class RolloutSnapshotTests
{
    private const string Rollout = """
        {
          "apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout",
          "metadata": { "name": "checkout", "namespace": "shop", "uid": "u-1", "generation": 4,
            "annotations": { "rollout.argoproj.io/revision": "4", "note": "<café & \"quotes\" \u2028>" },
            "managedFields": [ { "manager": "rollouts-controller", "operation": "Update", "fieldsV1": { "f:status": {} } } ] },
          "spec": {
            "replicas": 2, "progressDeadlineSeconds": 60.0, "progressDeadlineAbort": true, "paused": false,
            "template": { "metadata": { "labels": { "app": "checkout", "z": "1", "a": "2" } },
              "spec": { "containers": [ { "name": "web", "image": "argoproj/rollouts-demo:blue",
                "env": [ { "name": "RATIO", "value": "1.50" }, { "name": "EMOJI", "value": "\ud83d\ude80 <b>" } ],
                "resources": { "limits": { "cpu": 1.50, "memory": 1e3 } } } ] } },
            "strategy": { "canary": { "steps": [ { "setWeight": 20 }, { "pause": {} }, {}, "odd", { "analysis": { "templates": [] } } ] } }
          },
          "status": {
            "observedGeneration": 4, "phase": "Progressing", "message": "more replicas need to be updated",
            "abort": false, "currentStepIndex": 1, "currentPodHash": "6b9c5d7f8", "stableRS": "5d8f9c6b7",
            "pauseConditions": [ { "reason": "CanaryPauseStep", "startTime": "2026-11-27T10:15:30Z" } ],
            "conditions": [
              { "type": "Progressing", "status": "True", "reason": "ReplicaSetUpdated", "lastUpdateTime": "2026-11-27T10:15:02Z" },
              null,
              { "type": "Paused", "status": "True", "reason": "RolloutPaused", "lastUpdateTime": "not a time" }
            ]
          }
        }
        """;

    private static JsonObject Parse(string json) => JsonNode.Parse(json)!.AsObject();

    [Fact]
    public void The_fields_are_read_from_the_Rollout()
    {
        var snapshot = RolloutSnapshot.From(Parse(Rollout));

        snapshot.ShouldSatisfyAllConditions(
            s => s.Key.ShouldBe("shop/checkout"),
            s => s.Uid.ShouldBe("u-1"),
            s => s.Generation.ShouldBe(4),
            s => s.ObservedGeneration.ShouldBe("4"),
            s => s.SpecPaused.ShouldBeFalse(),
            s => s.SpecDeadlineSeconds.ShouldBe(60),
            s => s.SpecAbort.ShouldBeTrue(),
            s => s.IsCanary.ShouldBeTrue(),
            s => s.CanaryStepKinds.ShouldBe(["setWeight", "pause", "unknown", "unknown", "analysis"]),
            s => s.StatusAbort.ShouldBeFalse(),
            s => s.Phase.ShouldBe("Progressing"),
            s => s.Message.ShouldBe("more replicas need to be updated"),
            s => s.CurrentStepIndex.ShouldBe(1),
            s => s.PauseConditionCount.ShouldBe(1),
            s => s.CurrentPodHash.ShouldBe("6b9c5d7f8"),
            s => s.StableRs.ShouldBe("5d8f9c6b7"),
            s => s.Conditions.Count.ShouldBe(2),
            s => s.Condition("Progressing")!.LastUpdateTime.ShouldBe(new DateTimeOffset(2026, 11, 27, 10, 15, 2, TimeSpan.Zero)),
            s => s.Condition("Paused")!.LastUpdateTime.ShouldBeNull());
    }

    public static TheoryData<string, string, Func<RolloutSnapshot, object?>, object?> WrongKinds => new()
    {
        { "a string generation", """{"metadata":{"generation":"4"}}""", s => s.Generation, 0L },
        { "a fractional deadline", """{"spec":{"progressDeadlineSeconds":6.5}}""", s => s.SpecDeadlineSeconds, null },
        { "a deadline beyond Int32", """{"spec":{"progressDeadlineSeconds":3000000000}}""", s => s.SpecDeadlineSeconds, null },
        { "paused as a string", """{"spec":{"paused":"true"}}""", s => s.SpecPaused, false },
        { "abort as a number", """{"status":{"abort":1}}""", s => s.StatusAbort, false },
        { "a string observedGeneration", """{"status":{"observedGeneration":"7"}}""", s => s.ObservedGeneration, "7" },
        { "an object observedGeneration", """{"status":{"observedGeneration":{}}}""", s => s.ObservedGeneration, null },
        { "a null observedGeneration", """{"status":{"observedGeneration":null}}""", s => s.ObservedGeneration, null },
        { "a canary that is not an object", """{"spec":{"strategy":{"canary":true}}}""", s => s.IsCanary, false },
        { "steps that are not a list", """{"spec":{"strategy":{"canary":{"steps":{}}}}}""", s => s.CanaryStepKinds.Count, 0 },
        { "pauseConditions that are not a list", """{"status":{"pauseConditions":{"a":1}}}""", s => s.PauseConditionCount, 0 },
        { "a metadata that is a list", """{"metadata":[],"status":{"phase":"Healthy"}}""", s => s.Phase, "Healthy" },
        { "no namespace", """{"metadata":{"name":"x"}}""", s => s.Key, "/x" },
    };

    [Theory]
    [MemberData(nameof(WrongKinds))]
    public void A_value_of_the_wrong_kind_counts_as_absent(string because, string json, Func<RolloutSnapshot, object?> read, object? expected)
    {
        read(RolloutSnapshot.From(Parse(json))).ShouldBe(expected, because);
    }

    [Fact]
    public void The_kept_object_is_metadata_and_spec_without_managedFields_or_status()
    {
        var kept = RolloutSnapshot.From(Parse(Rollout)).Object;

        kept.Select(p => p.Key).ShouldBe(["apiVersion", "kind", "metadata", "spec"]);
        kept["metadata"]!.AsObject().ContainsKey("managedFields").ShouldBeFalse();
        JsonNode.DeepEquals(kept["spec"], Parse(Rollout)["spec"]).ShouldBeTrue();
        JsonNode.DeepEquals(kept["metadata"]!["annotations"], Parse(Rollout)["metadata"]!["annotations"]).ShouldBeTrue();
    }

    [Fact]
    public void The_kept_object_has_the_fingerprint_the_webhook_recorded()
    {
        // Escapes, non-ASCII text and number spellings (1.50, 1e3) must survive the round trip byte for byte.
        var original = Parse(Rollout);

        RevisionDetector.Fingerprint(RolloutSnapshot.From(original).Object).ShouldBe(RevisionDetector.Fingerprint(original));
    }

    [Fact]
    public void A_listed_element_and_a_watched_object_give_the_same_snapshot()
    {
        var fromElement = RolloutSnapshot.From(JsonDocument.Parse(Rollout).RootElement);
        var fromNode = RolloutSnapshot.From(Parse(Rollout));

        fromElement.Json.Span.SequenceEqual(fromNode.Json.Span).ShouldBeTrue();
        (fromElement with { Json = default, CanaryStepKinds = [], Conditions = [] })
            .ShouldBe(fromNode with { Json = default, CanaryStepKinds = [], Conditions = [] });
        fromElement.CanaryStepKinds.ShouldBe(fromNode.CanaryStepKinds);
        fromElement.Conditions.ShouldBe(fromNode.Conditions);
    }
}

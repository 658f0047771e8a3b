using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using DeadlineGuard.History;
using DeadlineGuard.Reconciler;

namespace DeadlineGuard.Tests.Reconciler;

/// <summary>The decoder reads what the judge, the Event and the actions need, and survives anything else.</summary>
public sealed class RolloutDecoderTests
{
    private const string Rollout = """
        {
          "apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout",
          "metadata": { "name": "checkout", "namespace": "shop", "uid": "u-1", "generation": 4, "resourceVersion": "812",
            "creationTimestamp": "2026-11-27T09:00:00Z",
            "annotations": { "rollout.argoproj.io/revision": "4", "note": "<café & \"quotes\" \u2028>", "deadline-guard.io/exempt": "load test" },
            "managedFields": [ { "manager": "rollouts-controller", "operation": "Update", "fieldsV1": { "f:status": {} } } ] },
          "spec": {
            "replicas": 2, "progressDeadlineSeconds": 60.0, "progressDeadlineAbort": true, "paused": false,
            "selector": { "matchLabels": { "app": "checkout", "tier": "web" } },
            "template": { "metadata": { "labels": { "app": "checkout", "z": "1", "a": "2" } },
              "spec": { "containers": [ { "name": "web", "image": "argoproj/rollouts-demo:blue",
                "env": [ { "name": "RATIO", "value": "1.50" }, { "name": "EMOJI", "value": "\ud83d\ude80 <b>" } ],
                "resources": { "limits": { "cpu": 1.50, "memory": 1e3 } } } ] } },
            "strategy": { "canary": { "trafficRouting": { "nginx": { "stableIngress": "web" } },
              "steps": [ { "setWeight": 20 }, { "pause": {} }, {}, "odd", { "analysis": { "templates": [] } }, { "pause": { "duration": "1h" } } ] } }
          },
          "status": {
            "observedGeneration": 4, "phase": "Progressing", "message": "more replicas need to be updated",
            "abort": false, "currentStepIndex": 1, "currentPodHash": "6b9c5d7f8", "stableRS": "5d8f9c6b7",
            "pauseConditions": [ { "reason": "CanaryPauseStep", "startTime": "2026-11-27T10:15:30Z" } ],
            "conditions": [
              { "type": "Progressing", "status": "True", "reason": "ReplicaSetUpdated", "lastUpdateTime": "2026-11-27T10:15:02Z" },
              null,
              { "type": "Paused", "status": "True", "reason": "RolloutPaused", "lastUpdateTime": "not a time" },
              { "type": "Progressing", "status": "False", "reason": "a second one does not count" }
            ]
          }
        }
        """;

    private static RolloutSnapshot Decode(string json) => Snapshots.From(json);

    [Fact]
    public void The_fields_are_read_from_the_Rollout()
    {
        var snapshot = Decode(Rollout);

        snapshot.ShouldSatisfyAllConditions(
            s => s.Key.ShouldBe(new RolloutKey("shop", "checkout")),
            s => s.Uid.ShouldBe("u-1"),
            s => s.Generation.ShouldBe(4),
            s => s.ResourceVersion.ShouldBe("812"),
            s => s.CreationTimestamp.ShouldBe(new DateTimeOffset(2026, 11, 27, 9, 0, 0, TimeSpan.Zero)),
            s => s.ArgoRevision.ShouldBe(4),
            s => s.ExemptionKey.ShouldBe("deadline-guard.io/exempt"),
            s => s.ExemptionValue.ShouldBe("load test"),
            s => s.History.ShouldBe(HistoryState.None),
            s => s.ObservedGeneration.ShouldBe("4"),
            s => s.SpecPaused.ShouldBeFalse(),
            s => s.SpecDeadlineSeconds.ShouldBe(60),
            s => s.SpecAbort.ShouldBeTrue(),
            s => s.Strategy.ShouldBe(RolloutStrategy.Canary),
            s => s.TrafficRouting.ShouldBeTrue(),
            s => s.CanarySteps.ShouldBe([new("setWeight"), new("pause"), new("unknown"), new("unknown"), new("analysis"), new("pause", HasDuration: true)]),
            s => s.Selector.ShouldBe("app=checkout,tier=web"),
            s => s.StatusAbort.ShouldBeFalse(),
            s => s.Phase.ShouldBe("Progressing"),
            s => s.CurrentStepIndex.ShouldBe(1),
            s => s.PauseConditions.ShouldBe([new PauseCondition("CanaryPauseStep", new DateTimeOffset(2026, 11, 27, 10, 15, 30, TimeSpan.Zero))]),
            s => s.CurrentPodHash.ShouldBe("6b9c5d7f8"),
            s => s.StableRs.ShouldBe("5d8f9c6b7"),
            s => s.Progressing.ShouldBe(new RolloutCondition("True", "ReplicaSetUpdated", new DateTimeOffset(2026, 11, 27, 10, 15, 2, TimeSpan.Zero))),
            s => s.Paused.ShouldBe(new RolloutCondition("True", "RolloutPaused", null)),
            s => s.Unreadable.ShouldBeNull());
    }

    [Fact]
    public void A_blue_green_rollout_keeps_its_auto_promotion_seconds()
    {
        var snapshot = Decode("""{"spec":{"strategy":{"blueGreen":{"activeService":"a","autoPromotionSeconds":30}}}}""");

        snapshot.Strategy.ShouldBe(RolloutStrategy.BlueGreen);
        snapshot.AutoPromotionSeconds.ShouldBe(30);
        snapshot.CanarySteps.ShouldBeEmpty();
    }

    [Theory]
    [InlineData("""{"activeService":"a","autoPromotionEnabled":false,"autoPromotionSeconds":300}""", false, 300)]
    [InlineData("""{"activeService":"a","autoPromotionEnabled":true}""", true, null)]
    [InlineData("""{"activeService":"a","autoPromotionEnabled":null}""", null, null)]
    [InlineData("""{"activeService":"a"}""", null, null)]
    public void A_blue_green_rollout_keeps_whether_auto_promotion_is_enabled(string blueGreen, bool? enabled, int? seconds)
    {
        var snapshot = Decode("""{"spec":{"strategy":{"blueGreen":""" + blueGreen + "}}}");

        snapshot.AutoPromotionEnabled.ShouldBe(enabled);
        snapshot.AutoPromotionSeconds.ShouldBe(seconds);
        snapshot.WrongTyped.ShouldBe(WrongTypedFields.None);
    }

    public static TheoryData<string, string, WrongTypedFields> WrongTypedPauseFields => new()
    {
        { "autoPromotionEnabled as a string", """{"spec":{"strategy":{"blueGreen":{"autoPromotionEnabled":"false"}}}}""", WrongTypedFields.AutoPromotionEnabled },
        { "autoPromotionSeconds as a fraction", """{"spec":{"strategy":{"blueGreen":{"autoPromotionSeconds":1.5}}}}""", WrongTypedFields.AutoPromotionSeconds },
        { "autoPromotionSeconds as a string", """{"spec":{"strategy":{"blueGreen":{"autoPromotionSeconds":"30"}}}}""", WrongTypedFields.AutoPromotionSeconds },
        { "currentStepIndex as a string", """{"status":{"currentStepIndex":"1"}}""", WrongTypedFields.CurrentStepIndex },
        { "pauseConditions as a mapping", """{"status":{"pauseConditions":{"reason":"BlueGreenPause"}}}""", WrongTypedFields.PauseConditions },
        { "all of them", """{"spec":{"strategy":{"blueGreen":{"autoPromotionEnabled":0,"autoPromotionSeconds":[]}}},"status":{"currentStepIndex":{},"pauseConditions":"x"}}""", WrongTypedFields.AutoPromotionEnabled | WrongTypedFields.AutoPromotionSeconds | WrongTypedFields.CurrentStepIndex | WrongTypedFields.PauseConditions },
        { "nulls are unset, not wrong", """{"spec":{"strategy":{"blueGreen":{"autoPromotionEnabled":null,"autoPromotionSeconds":null}}},"status":{"currentStepIndex":null,"pauseConditions":null}}""", WrongTypedFields.None },
    };

    [Theory]
    [MemberData(nameof(WrongTypedPauseFields))]
    public void A_pause_field_of_the_wrong_type_counts_as_absent_and_is_flagged(string because, string json, WrongTypedFields expected)
    {
        var snapshot = Decode(json);

        snapshot.WrongTyped.ShouldBe(expected, because);
        snapshot.Unreadable.ShouldBeNull(because);
    }

    public static TheoryData<string, string, PauseCondition> PauseConditionEntries => new()
    {
        { "a readable entry", """{"reason":"BlueGreenPause","startTime":"2026-11-27T10:15:30Z"}""", new("BlueGreenPause", new DateTimeOffset(2026, 11, 27, 10, 15, 30, TimeSpan.Zero)) },
        { "no startTime", """{"reason":"BlueGreenPause"}""", new("BlueGreenPause", null, PauseInputProblem.MissingStartTime) },
        { "a null startTime", """{"reason":"BlueGreenPause","startTime":null}""", new("BlueGreenPause", null, PauseInputProblem.MissingStartTime) },
        { "a startTime that is not a time", """{"reason":"BlueGreenPause","startTime":"last tuesday"}""", new("BlueGreenPause", null, PauseInputProblem.UnparseableStartTime) },
        { "a startTime that is a number", """{"reason":"BlueGreenPause","startTime":1764238530}""", new("BlueGreenPause", null, PauseInputProblem.WrongType) },
        { "a reason that is a number", """{"reason":7,"startTime":"2026-11-27T10:15:30Z"}""", new(string.Empty, new DateTimeOffset(2026, 11, 27, 10, 15, 30, TimeSpan.Zero), PauseInputProblem.WrongType) },
        { "no reason", """{"startTime":"2026-11-27T10:15:30Z"}""", new(string.Empty, new DateTimeOffset(2026, 11, 27, 10, 15, 30, TimeSpan.Zero), PauseInputProblem.WrongType) },
        { "an entry that is not an object", "7", new(string.Empty, null, PauseInputProblem.WrongType) },
    };

    [Theory]
    [MemberData(nameof(PauseConditionEntries))]
    public void A_pause_condition_keeps_its_reason_and_start_or_says_what_cannot_be_read(string because, string entry, PauseCondition expected)
    {
        var snapshot = Decode("""{"status":{"pauseConditions":[""" + entry + "]}}");

        snapshot.PauseConditions.ShouldBe([expected], because);
    }

    [Fact]
    public void The_template_is_kept_as_the_fingerprint_the_webhook_records()
    {
        // Escapes, non-ASCII text and number spellings (1.50, 1e3) are hashed as the webhook hashes them.
        Decode(Rollout).Fingerprint.ShouldBe(Webhook(Rollout));
    }

    [Fact]
    public void The_current_revisions_history_entry_is_the_last_with_the_templates_fingerprint()
    {
        var rollout = RolloutObjects.StuckRevision4();
        RevisionHistoryAnnotation.TryParse(rollout["metadata"]!["annotations"]![RevisionHistoryAnnotation.Key]!.GetValue<string>(), out var entries, out _).ShouldBeTrue();

        var snapshot = Snapshots.From(rollout);

        var expected = entries.Last(e => e.Fingerprint == RevisionDetector.Fingerprint(rollout));
        snapshot.History.ShouldBe(HistoryState.Matched);
        snapshot.Revision.ShouldBe(new RecordedRevision(expected.Seq, expected.At, expected.DeadlineSeconds, expected.Abort));
        expected.Seq.ShouldBe(4);
    }

    public static TheoryData<string, string, HistoryState> Histories => new()
    {
        { "not JSON", "{oops", HistoryState.Unreadable },
        { "an object", """{"seq":1}""", HistoryState.Unreadable },
        { "an entry without its fingerprint", """[{"seq":1,"at":"2026-11-27T10:00:00Z","by":"a","op":"CREATE","trigger":"create","images":[],"deadlineSeconds":60,"abort":true}]""", HistoryState.Unreadable },
        { "seq going down", """[{"seq":2,"at":"2026-11-27T10:00:00Z","by":"a","op":"CREATE","trigger":"create","fingerprint":"x","images":[],"deadlineSeconds":60,"abort":true},{"seq":1,"at":"2026-11-27T10:00:00Z","by":"a","op":"UPDATE","trigger":"template","fingerprint":"y","images":[],"deadlineSeconds":60,"abort":true}]""", HistoryState.Unreadable },
        { "no entry with the current fingerprint", """[{"seq":1,"at":"2026-11-27T10:00:00Z","by":"a","op":"CREATE","trigger":"create","fingerprint":"0000000000000000","images":[],"deadlineSeconds":60,"abort":true}]""", HistoryState.Unmatched },
        { "empty", "[]", HistoryState.Unmatched },
    };

    [Theory]
    [MemberData(nameof(Histories))]
    public void A_history_that_is_not_the_webhooks_or_has_no_current_entry_gives_no_entry(string because, string history, HistoryState expected)
    {
        var json = new JsonObject { ["metadata"] = new JsonObject { ["annotations"] = new JsonObject { [RevisionHistoryAnnotation.Key] = history } } };

        var snapshot = Snapshots.From(json);

        snapshot.History.ShouldBe(expected, because);
        snapshot.Revision.ShouldBeNull(because);
    }

    public static TheoryData<string, string, Func<RolloutSnapshot, object?>, object?> WrongKinds => new()
    {
        { "a string generation", """{"metadata":{"generation":"4"}}""", s => s.Generation, 0L },
        { "a fractional deadline", """{"spec":{"progressDeadlineSeconds":6.5}}""", s => s.SpecDeadlineSeconds, null },
        { "a deadline beyond Int32", """{"spec":{"progressDeadlineSeconds":3000000000}}""", s => s.SpecDeadlineSeconds, null },
        { "a deadline of 1e99", """{"spec":{"progressDeadlineSeconds":1e99}}""", s => s.SpecDeadlineSeconds, null },
        { "a deadline as a string", """{"spec":{"progressDeadlineSeconds":"60"}}""", s => s.SpecDeadlineSeconds, null },
        { "a deadline as an object", """{"spec":{"progressDeadlineSeconds":{"seconds":60}}}""", s => s.SpecDeadlineSeconds, null },
        { "paused as a string", """{"spec":{"paused":"true"}}""", s => s.SpecPaused, false },
        { "progressDeadlineAbort as a number", """{"spec":{"progressDeadlineAbort":1}}""", s => s.SpecAbort, false },
        { "abort as a number", """{"status":{"abort":1}}""", s => s.StatusAbort, false },
        { "a string observedGeneration", """{"status":{"observedGeneration":"7"}}""", s => s.ObservedGeneration, "7" },
        { "an object observedGeneration", """{"status":{"observedGeneration":{}}}""", s => s.ObservedGeneration, null },
        { "a null observedGeneration", """{"status":{"observedGeneration":null}}""", s => s.ObservedGeneration, null },
        { "a canary that is not an object", """{"spec":{"strategy":{"canary":true}}}""", s => s.Strategy, RolloutStrategy.None },
        { "steps that are not a list", """{"spec":{"strategy":{"canary":{"steps":{}}}}}""", s => s.CanarySteps.Count, 0 },
        { "a strategy that is a list", """{"spec":{"strategy":[{"canary":{}}]}}""", s => s.Strategy, RolloutStrategy.None },
        { "pauseConditions that are not a list", """{"status":{"pauseConditions":{"a":1}}}""", s => s.PauseConditions.Count, 0 },
        { "a pause condition that is not an object still counts", """{"status":{"pauseConditions":[7]}}""", s => s.PauseConditions.Count, 1 },
        { "conditions that are not a list", """{"status":{"conditions":"Progressing"}}""", s => s.Progressing, null },
        { "a condition type that is a number", """{"status":{"conditions":[{"type":1,"status":"True"}]}}""", s => s.Progressing, null },
        { "a lastUpdateTime that is a number", """{"status":{"conditions":[{"type":"Progressing","status":"True","reason":"ReplicaSetUpdated","lastUpdateTime":5}]}}""", s => s.Progressing?.LastUpdateTime, null },
        { "a metadata that is a list", """{"metadata":[],"status":{"phase":"Healthy"}}""", s => s.Phase, "Healthy" },
        { "a spec that is a string", """{"spec":"x","status":{"phase":"Healthy"}}""", s => s.Phase, "Healthy" },
        { "a name that is a number", """{"metadata":{"name":5,"namespace":"shop"}}""", s => s.Key, new RolloutKey("shop", string.Empty) },
        { "no namespace", """{"metadata":{"name":"x"}}""", s => s.Key, new RolloutKey(string.Empty, "x") },
        { "a revision annotation that is not digits", """{"metadata":{"annotations":{"rollout.argoproj.io/revision":"-4"}}}""", s => s.ArgoRevision, null },
        { "an exemption that is not a string", """{"metadata":{"annotations":{"deadline-guard.io/exempt":true}}}""", s => s.ExemptionValue, null },
        { "a history that is not a string", """{"metadata":{"annotations":{"deadline-guard.io/revision-history":[]}}}""", s => s.History, HistoryState.Unreadable },
        { "annotations that are a list", """{"metadata":{"annotations":["deadline-guard.io/exempt"]}}""", s => s.ExemptionValue, null },
        { "a creationTimestamp that is not a time", """{"metadata":{"creationTimestamp":"yesterday"}}""", s => s.CreationTimestamp, null },
        { "a currentStepIndex of -1", """{"status":{"currentStepIndex":-1}}""", s => s.CurrentStepIndex, -1 },
        { "a pause with a null duration has none", """{"spec":{"strategy":{"canary":{"steps":[{"pause":{"duration":null}}]}}}}""", s => s.CanarySteps[0], new CanaryStep("pause") },
        { "nothing at all", "{}", s => s with { ExemptionKey = null }, new RolloutSnapshot { Namespace = string.Empty, Name = string.Empty, Fingerprint = TemplateFingerprint.OfNull } },
    };

    [Theory]
    [MemberData(nameof(WrongKinds))]
    public void A_value_of_the_wrong_kind_counts_as_absent(string because, string json, Func<RolloutSnapshot, object?> read, object? expected)
    {
        var snapshot = Decode(json);

        read(snapshot).ShouldBe(expected, because);
        snapshot.Unreadable.ShouldBeNull(because);
    }

    public static TheoryData<string, string> Duplicates => new()
    {
        { """{"metadata":{"name":"a","name":"b"}}""", "metadata.name" },
        { """{"spec":{"progressDeadlineSeconds":60,"progressDeadlineSeconds":3600}}""", "spec.progressDeadlineSeconds" },
        { """{"status":{"abort":false,"abort":true}}""", "status.abort" },
        { """{"status":{"conditions":[{"type":"Progressing","status":"True","status":"False"}]}}""", "status.conditions[].status" },
        { """{"metadata":{"annotations":{"deadline-guard.io/exempt":"a","deadline-guard.io/exempt":""}}}""", "metadata.annotations.deadline-guard.io/exempt" },
        { """{"spec":{"template":{"spec":{"containers":[{"image":"a","image":"b"}]}}}}""", "spec.template…image" },
        { """{"status":{},"status":{}}""", "status" },
    };

    [Theory]
    [MemberData(nameof(Duplicates))]
    public void A_key_the_decoder_reads_that_appears_twice_makes_the_snapshot_unreadable_naming_it(string json, string key)
    {
        var snapshot = Decode(json);

        snapshot.Unreadable.ShouldBe($"the key \"{key}\" appears twice");
    }

    [Fact]
    public void Keys_the_decoder_does_not_read_may_repeat()
    {
        var snapshot = Decode("""{"metadata":{"labels":{},"labels":{},"name":"x"},"spec":{"replicas":1,"replicas":2},"kind":"Rollout","kind":"Rollout"}""");

        snapshot.Unreadable.ShouldBeNull();
        snapshot.Name.ShouldBe("x");
    }

    [Fact]
    public void Unknown_fields_anywhere_are_skipped()
    {
        var json = JsonNode.Parse(Rollout)!.AsObject();
        json["future"] = new JsonObject { ["spec"] = new JsonObject { ["progressDeadlineSeconds"] = 1 } };
        json["metadata"]!["future"] = new JsonArray(1, "two", new JsonObject());
        json["spec"]!["strategy"]!["canary"]!["future"] = true;
        json["status"]!["conditions"]![0]!["future"] = new JsonObject { ["type"] = "Paused" };

        var decoded = Snapshots.From(json);
        var plain = Decode(Rollout);

        (decoded with { CanarySteps = [], PauseConditions = [] }).ShouldBe(plain with { CanarySteps = [], PauseConditions = [] });
        decoded.CanarySteps.ShouldBe(plain.CanarySteps);
        decoded.PauseConditions.ShouldBe(plain.PauseConditions);
    }

    [Fact]
    public void Huge_strings_are_read_or_skipped_without_trouble()
    {
        var huge = new string('x', 4 * 1024 * 1024);
        var json = JsonNode.Parse(Rollout)!.AsObject();
        json["metadata"]!["annotations"]!["kubectl.kubernetes.io/last-applied-configuration"] = huge;
        json["metadata"]!["annotations"]![RevisionHistoryAnnotation.Key] = "[" + new string(' ', 1024 * 1024) + "]";
        json["metadata"]!["name"] = new string('n', 300_000);

        var snapshot = Snapshots.From(json);

        snapshot.Name.Length.ShouldBe(300_000);
        snapshot.History.ShouldBe(HistoryState.Unmatched);
        snapshot.SpecDeadlineSeconds.ShouldBe(60);
    }

    [Fact]
    public void Malformed_json_throws_for_the_informer_to_skip_the_item_and_a_non_object_is_no_rollout()
    {
        Should.Throw<JsonException>(() => Snapshots.Decoder().Decode("""{"metadata":{"name":"x"}"""u8));
        Snapshots.Decoder().Decode("[1,2]"u8).ShouldBeNull();
        Snapshots.Decoder().Decode("null"u8).ShouldBeNull();
    }

    [Fact]
    public void Texts_that_repeat_across_rollouts_are_shared_between_snapshots()
    {
        var decoder = Snapshots.Decoder();
        var a = decoder.Decode(Encoding.UTF8.GetBytes(Rollout))!;
        var b = decoder.Decode(Encoding.UTF8.GetBytes(Rollout.Replace("\"checkout\"", "\"cart\"", StringComparison.Ordinal)))!;

        b.Name.ShouldBe("cart");
        ReferenceEquals(a.Namespace, b.Namespace).ShouldBeTrue();
        ReferenceEquals(a.Phase, b.Phase).ShouldBeTrue();
        ReferenceEquals(a.Progressing!.Value.Reason, b.Progressing!.Value.Reason).ShouldBeTrue();
        ReferenceEquals(a.CanarySteps, b.CanarySteps).ShouldBeTrue("the same step list is one array");
    }

    [Fact]
    public void The_selector_is_kept_only_for_the_repair()
    {
        Snapshots.From(Rollout, Snapshots.Decoder(keepSelector: false)).Selector.ShouldBeNull();
        Snapshots.From(Rollout, Snapshots.Decoder(keepSelector: true)).Selector.ShouldBe("app=checkout,tier=web");
    }

    [Fact]
    public void The_exemption_value_kept_is_the_configured_keys()
    {
        var json = Rollout.Replace("\"deadline-guard.io/exempt\": \"load test\"", "\"deadline-guard.io/exempt\": \"load test\", \"example.com/skip\": \"other reason\"", StringComparison.Ordinal);

        var snapshot = Snapshots.From(json, Snapshots.Decoder(exemptionKey: "example.com/skip"));

        snapshot.ExemptionKey.ShouldBe("example.com/skip");
        snapshot.ExemptionValue.ShouldBe("other reason");
    }

    private static ulong Webhook(string json) =>
        Convert.ToUInt64(RevisionDetector.Fingerprint(JsonNode.Parse(json)!.AsObject()), 16);
}

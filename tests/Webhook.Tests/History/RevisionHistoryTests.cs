using System.Text.Json.Nodes;
using DeadlineGuard.Admission;
using DeadlineGuard.History;
using DeadlineGuard.Json;
using DeadlineGuard.Policy;
using DeadlineGuard.Tests.Support;

namespace DeadlineGuard.Tests.History;

public sealed class RevisionHistoryTests
{
    private const string Controller = "system:serviceaccount:argo-rollouts:argo-rollouts";

    /// <summary>The BlueGreen Rollout of the upstream bug (#3988): 60 s deadline, abort on.</summary>
    private static JsonObject BlueGreen(string image) => JsonNode.Parse($$"""
        {
          "apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout",
          "metadata": { "name": "checkout", "namespace": "shop", "labels": { "app": "checkout" } },
          "spec": {
            "replicas": 2, "progressDeadlineSeconds": 60, "progressDeadlineAbort": true,
            "selector": { "matchLabels": { "app": "checkout" } },
            "template": {
              "metadata": { "labels": { "app": "checkout" } },
              "spec": { "containers": [ { "name": "web", "image": "{{image}}",
                "startupProbe": { "httpGet": { "path": "/healthz", "port": 8080 } } } ] }
            },
            "strategy": { "blueGreen": { "activeService": "checkout-active", "previewService": "checkout-preview" } }
          }
        }
        """)!.AsObject();

    private static void SetImage(JsonObject rollout, string image) =>
        rollout["spec"]!["template"]!["spec"]!["containers"]![0]!["image"] = image;

    private static IReadOnlyList<RevisionEntry> History(JsonObject? rollout)
    {
        var text = RevisionRecorder.Annotation(rollout!);
        text.ShouldNotBeNull();
        RevisionHistoryAnnotation.TryParse(text, out var entries, out var error).ShouldBeTrue(error);
        return entries;
    }

    /// <summary>Argo's controller writes the revision annotation with a plain Update (sync.go setRolloutRevision).</summary>
    private static void ControllerBookkeeping(ApiServer api, int revision) =>
        api.Update(r => r["metadata"]!["annotations"]!["rollout.argoproj.io/revision"] = revision.ToString(System.Globalization.CultureInfo.InvariantCulture), Controller)
            .Allowed.ShouldBeTrue();

    [Fact]
    public void The_known_failure_timeline_records_four_revisions_with_who_when_what_and_the_deadline()
    {
        var api = new ApiServer();
        api.Create(BlueGreen("argoproj/rollouts-demo:blue"), "alice@example.com").Allowed.ShouldBeTrue();
        ControllerBookkeeping(api, 1);
        api.Clock.Advance(TimeSpan.FromMinutes(5));
        api.Update(r => SetImage(r, "argoproj/rollouts-demo:bad-red"), "bob@example.com").Allowed.ShouldBeTrue();
        ControllerBookkeeping(api, 2);
        api.Clock.Advance(TimeSpan.FromMinutes(5));
        api.Update(r => SetImage(r, "argoproj/rollouts-demo:yellow"), "carol@example.com").Allowed.ShouldBeTrue();
        ControllerBookkeeping(api, 3);
        api.Clock.Advance(TimeSpan.FromMinutes(5));
        api.Update(r => SetImage(r, "argoproj/rollouts-demo:bad-purple"), "bob@example.com").Allowed.ShouldBeTrue();
        ControllerBookkeeping(api, 4);

        var history = History(api.Stored);

        history.Select(e => e.Seq).ShouldBe([1, 2, 3, 4]);
        history.Select(e => e.By).ShouldBe(["alice@example.com", "bob@example.com", "carol@example.com", "bob@example.com"]);
        history.Select(e => e.Op).ShouldBe(["CREATE", "UPDATE", "UPDATE", "UPDATE"]);
        history.Select(e => e.Trigger).ShouldBe(["create", "template", "template", "template"]);
        history.Select(e => e.Images[0]).ShouldBe(["argoproj/rollouts-demo:blue", "argoproj/rollouts-demo:bad-red", "argoproj/rollouts-demo:yellow", "argoproj/rollouts-demo:bad-purple"]);
        history.ShouldAllBe(e => e.DeadlineSeconds == 60 && e.Abort);
        history.Select(e => e.At).ShouldBe(new[] { 0, 5, 10, 15 }.Select(m => new DateTimeOffset(2026, 11, 27, 10, m, 0, TimeSpan.Zero)));
        history[3].Fingerprint.ShouldBe(CanonicalJson.Fingerprint(api.Stored!["spec"]!["template"]));
        history.Select(e => e.Fingerprint).Distinct().Count().ShouldBe(4);
        history.ShouldAllBe(e => e.Fingerprint.Length == 16);
    }

    [Fact]
    public void The_entry_records_the_values_in_force_after_injection()
    {
        var api = new ApiServer();
        var rollout = BlueGreen("nginx:1");
        rollout["spec"]!.AsObject().Remove("progressDeadlineSeconds");
        rollout["spec"]!.AsObject().Remove("progressDeadlineAbort");

        api.Create(rollout, "alice").Allowed.ShouldBeTrue();

        History(api.Stored).Single().ShouldSatisfyAllConditions(
            e => e.DeadlineSeconds.ShouldBe(600),
            e => e.Abort.ShouldBeTrue());
    }

    public static TheoryData<string, Action<JsonObject>> NotARevision => new()
    {
        { "replicas", r => r["spec"]!["replicas"] = 5 },
        { "restartAt", r => r["spec"]!["restartAt"] = "2026-11-27T11:00:00Z" },
        { "paused", r => r["spec"]!["paused"] = true },
        { "a label", r => r["metadata"]!["labels"]!["team"] = "payments" },
        { "an annotation", r => r["metadata"]!["annotations"]!["note"] = "hello" },
        { "the deadline", r => r["spec"]!["progressDeadlineSeconds"] = 120 },
        { "the same template written in another key order", r =>
            r["spec"]!["template"] = JsonNode.Parse(CanonicalJson.Serialize(r["spec"]!["template"])) },
    };

    [Theory]
    [MemberData(nameof(NotARevision))]
    public void Updates_that_start_no_revision_add_no_entry_and_no_history_patch(string because, Action<JsonObject> edit)
    {
        var api = new ApiServer();
        api.Create(BlueGreen("nginx:1"), "alice");
        var before = RevisionRecorder.Annotation(api.Stored!);

        api.Update(edit, "bob").Allowed.ShouldBeTrue(because);

        RevisionRecorder.Annotation(api.Stored!).ShouldBe(before, because);
        api.LastMutation!.Patch.ShouldNotContain(o => o.Path.Contains("revision-history"), because);
    }

    [Fact]
    public void The_argo_controllers_revision_update_changes_nothing()
    {
        var api = new ApiServer();
        api.Create(BlueGreen("nginx:1"), "alice");

        api.Update(r => r["metadata"]!["annotations"]!["rollout.argoproj.io/revision"] = "1", Controller);

        api.LastMutation!.Patch.ShouldBeEmpty();
        api.LastMutation.Warnings.ShouldBeEmpty();
        History(api.Stored).Count.ShouldBe(1);
    }

    [Fact]
    public void A_client_removing_the_history_gets_it_back_with_a_warning()
    {
        var api = new ApiServer();
        api.Create(BlueGreen("nginx:1"), "alice");
        var before = RevisionRecorder.Annotation(api.Stored!);

        api.Update(r => r["metadata"]!["annotations"]!.AsObject().Remove(RevisionHistoryAnnotation.Key), "mallory").Allowed.ShouldBeTrue();

        RevisionRecorder.Annotation(api.Stored!).ShouldBe(before);
        api.LastMutation!.Warnings.ShouldContain("deadline-guard.io/revision-history is kept by deadline-guard; your change to it was undone");
    }

    [Fact]
    public void A_forged_history_is_undone_and_a_real_revision_still_appends()
    {
        var api = new ApiServer();
        api.Create(BlueGreen("nginx:1"), "alice");

        api.Update(
            r =>
            {
                r["metadata"]!["annotations"]![RevisionHistoryAnnotation.Key] = """[{"seq":1,"at":"2020-01-01T00:00:00Z","by":"nobody","op":"CREATE","trigger":"create","fingerprint":"0000000000000000","images":[],"deadlineSeconds":3600,"abort":false}]""";
                SetImage(r, "nginx:2");
            },
            "mallory");

        var history = History(api.Stored);
        history.Select(e => e.By).ShouldBe(["alice", "mallory"]);
        history.ShouldAllBe(e => e.DeadlineSeconds == 60);
        api.LastMutation!.Warnings.ShouldContain(w => w.Contains("your change to it was undone"));
    }

    [Fact]
    public void Kubectl_replace_that_omits_the_annotation_keeps_the_history()
    {
        var api = new ApiServer();
        api.Create(BlueGreen("nginx:1"), "alice");
        var before = RevisionRecorder.Annotation(api.Stored!);

        api.Replace(BlueGreen("nginx:1"), "bob").Allowed.ShouldBeTrue();

        RevisionRecorder.Annotation(api.Stored!).ShouldBe(before);
    }

    [Fact]
    public void A_history_supplied_on_create_is_replaced()
    {
        var api = new ApiServer();
        var rollout = BlueGreen("nginx:1");
        rollout["metadata"]!["annotations"] = new JsonObject { [RevisionHistoryAnnotation.Key] = "[]" };

        api.Create(rollout, "alice");

        History(api.Stored).Single().By.ShouldBe("alice");
        api.LastMutation!.Warnings.ShouldContain(w => w.Contains("the supplied value was replaced"));
    }

    [Fact]
    public void The_history_keeps_the_newest_limit_entries_and_seq_continues_across_the_bound()
    {
        var api = new ApiServer(DeadlinePolicy.BuiltIn with { History = new HistoryOptions(3) });
        api.Create(BlueGreen("nginx:1"), "alice");
        for (var i = 2; i <= 6; i++)
        {
            var image = $"nginx:{i}";
            api.Update(r => SetImage(r, image), "bob");
        }

        var history = History(api.Stored);
        history.Select(e => e.Seq).ShouldBe([4, 5, 6]);
        history.Select(e => e.Images[0]).ShouldBe(["nginx:4", "nginx:5", "nginx:6"]);
    }

    [Fact]
    public void A_lowered_limit_trims_the_history_at_the_next_write()
    {
        var api = new ApiServer();
        api.Create(BlueGreen("nginx:1"), "alice");
        api.Update(r => SetImage(r, "nginx:2"), "bob");
        api.Update(r => SetImage(r, "nginx:3"), "bob");
        api.Policy = DeadlinePolicy.BuiltIn with { History = new HistoryOptions(1) };

        api.Update(r => r["spec"]!["replicas"] = 3, "carol");

        History(api.Stored).Select(e => e.Seq).ShouldBe([3]);
    }

    [Fact]
    public void A_workload_generation_change_by_the_controller_starts_a_workload_revision()
    {
        var api = new ApiServer();
        var rollout = JsonNode.Parse("""
            {"apiVersion":"argoproj.io/v1alpha1","kind":"Rollout",
             "metadata":{"name":"ref","namespace":"shop"},
             "spec":{"replicas":5,"progressDeadlineSeconds":120,"progressDeadlineAbort":true,
               "workloadRef":{"apiVersion":"apps/v1","kind":"Deployment","name":"ref-deployment"},
               "strategy":{"canary":{"steps":[{"setWeight":20}]}}}}
            """)!.AsObject();
        api.Create(rollout, "alice");
        api.Update(r => r["metadata"]!["annotations"]![RevisionDetector.WorkloadGenerationAnnotation] = "1", Controller);
        api.Update(r => r["spec"]!["replicas"] = 6, "bob");
        api.Update(r => r["metadata"]!["annotations"]![RevisionDetector.WorkloadGenerationAnnotation] = "2", Controller);

        var history = History(api.Stored);
        history.Select(e => e.Trigger).ShouldBe(["create", "workload", "workload"]);
        history.Select(e => e.By).ShouldBe(["alice", Controller, Controller]);
        history.ShouldAllBe(e => e.Images.Count == 0 && e.DeadlineSeconds == 120);
        history.Select(e => e.Fingerprint).Distinct().Count().ShouldBe(3);
    }

    [Fact]
    public void A_dry_run_gets_the_same_answer()
    {
        var wet = new ApiServer();
        var dry = new ApiServer();
        foreach (var api in new[] { wet, dry })
        {
            api.Create(BlueGreen("nginx:1"), "alice");
        }

        wet.Update(r => SetImage(r, "nginx:2"), "bob");
        var wetPatch = JsonPatch.Serialize(wet.LastMutation!.Patch);
        dry.Update(r => SetImage(r, "nginx:2"), "bob", dryRun: true);

        JsonPatch.Serialize(dry.LastMutation!.Patch).ShouldBe(wetPatch);
        dry.LastMutation.Warnings.ShouldBe(wet.LastMutation.Warnings);
    }

    [Theory]
    [InlineData("not json at all")]
    [InlineData("{\"seq\":1}")]
    [InlineData("[{\"seq\":\"one\"}]")]
    [InlineData("[{\"seq\":2,\"at\":\"2026-01-01T00:00:00Z\",\"by\":\"a\",\"op\":\"CREATE\",\"trigger\":\"create\",\"fingerprint\":\"x\",\"images\":[],\"deadlineSeconds\":60,\"abort\":true},{\"seq\":1,\"at\":\"2026-01-01T00:00:00Z\",\"by\":\"a\",\"op\":\"CREATE\",\"trigger\":\"create\",\"fingerprint\":\"x\",\"images\":[],\"deadlineSeconds\":60,\"abort\":true}]")]
    public void An_unreadable_stored_history_is_replaced_by_a_fresh_one_with_a_warning(string stored)
    {
        var api = new ApiServer();
        var rollout = BlueGreen("nginx:1");
        api.Create(rollout, "alice");

        api.WriteBehindTheWebhook(r => r["metadata"]!["annotations"]![RevisionHistoryAnnotation.Key] = stored);
        api.Update(r => SetImage(r, "nginx:2"), "bob").Allowed.ShouldBeTrue();

        var history = History(api.Stored);
        history.Single().Seq.ShouldBe(1);
        history.Single().By.ShouldBe("bob");
        api.LastMutation!.Warnings.ShouldContain(w => w.StartsWith("deadline-guard.io/revision-history was unreadable, a fresh history starts: ", StringComparison.Ordinal));
    }

    [Fact]
    public void Long_users_and_many_images_stay_within_the_entry_budget()
    {
        var api = new ApiServer();
        var rollout = BlueGreen("nginx:1");
        var containers = rollout["spec"]!["template"]!["spec"]!["containers"]!.AsArray();
        for (var i = 0; i < 8; i++)
        {
            containers.Add(new JsonObject { ["name"] = $"c{i}", ["image"] = $"registry.example.com/platform/sidecars/component-{i}@sha256:{new string('a', 64)}" });
        }

        api.Create(rollout, new string('u', 300));

        var entry = History(api.Stored).Single();
        entry.By.Length.ShouldBe(RevisionRecorder.MaxUserLength);
        entry.Images[^1].ShouldStartWith("+");
        RevisionRecorder.Annotation(api.Stored!)!.Length.ShouldBeLessThan(410);
    }

    /// <summary>A CREATE of <paramref name="rollout"/> decided on <paramref name="api"/>'s clock, as the API server's first call.</summary>
    private static string FirstCallHistory(ApiServer api, JsonObject rollout)
    {
        using var request = Reviews.Request(rollout);
        var decision = new AdmissionDecider(api.Clock).Mutate(request, api.Policy);
        var patched = JsonPatchApplier.Apply(rollout, decision.Patch)!.AsObject();
        return RevisionRecorder.Annotation(patched)!;
    }

    private static AdmissionDecision Reinvoke(ApiServer api, JsonObject rollout, string history)
    {
        var sent = rollout.DeepClone().AsObject();
        sent["metadata"]!["annotations"] = new JsonObject { [RevisionHistoryAnnotation.Key] = history };
        using var request = Reviews.Request(sent);
        return new AdmissionDecider(api.Clock).Mutate(request, api.Policy);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    [InlineData(30)]
    public void A_reinvocation_within_seconds_keeps_the_webhooks_own_entry_without_a_patch(int secondsLater)
    {
        var api = new ApiServer();
        var rollout = BlueGreen("nginx:1");
        var history = FirstCallHistory(api, rollout);
        api.Clock.Advance(TimeSpan.FromSeconds(secondsLater));

        var again = Reinvoke(api, rollout, history);

        again.Patch.ShouldBeEmpty();
        again.Warnings.ShouldBeEmpty();
    }

    public static TheoryData<string, Func<string, string>> NotTheWebhooksOwn => new()
    {
        { "a newest time one second ahead of the clock", h => h.Replace("10:00:00Z", "10:00:01Z", StringComparison.Ordinal) },
        { "a newest time an hour back", h => h.Replace("10:00:00Z", "09:00:00Z", StringComparison.Ordinal) },
        { "another user", h => h.Replace("\"by\":\"alice@example.com\"", "\"by\":\"mallory\"", StringComparison.Ordinal) },
        { "another deadline", h => h.Replace("\"deadlineSeconds\":60", "\"deadlineSeconds\":3600", StringComparison.Ordinal) },
        { "abort off", h => h.Replace("\"abort\":true", "\"abort\":false", StringComparison.Ordinal) },
        { "another fingerprint", h => h.Replace("\"fingerprint\":\"", "\"fingerprint\":\"0", StringComparison.Ordinal) },
        { "another trigger", h => h.Replace("\"trigger\":\"create\"", "\"trigger\":\"template\"", StringComparison.Ordinal) },
        { "the time written twice, the later one first", h => h.Replace("\"at\":", "\"at\":\"2099-01-01T00:00:00Z\",\"at\":", StringComparison.Ordinal) },
        { "an extra field", h => h.Replace("\"abort\":true}", "\"abort\":true,\"note\":\"x\"}", StringComparison.Ordinal) },
    };

    [Theory]
    [MemberData(nameof(NotTheWebhooksOwn))]
    public void A_history_that_is_not_exactly_the_webhooks_own_is_recomputed_with_a_warning(string because, Func<string, string> forge)
    {
        var api = new ApiServer();
        var rollout = BlueGreen("nginx:1");
        var own = FirstCallHistory(api, rollout);
        var forged = forge(own);
        forged.ShouldNotBe(own, because);

        var again = Reinvoke(api, rollout, forged);

        var written = again.Patch.Single(o => o.Path.Contains("revision-history", StringComparison.Ordinal));
        written.Op.ShouldBe("replace", because);
        written.Value!.GetValue<string>().ShouldBe(own, because);
        again.Warnings.ShouldHaveSingleItem(because).ShouldStartWith(RevisionHistoryAnnotation.Key, Case.Sensitive, because);
    }

    [Fact]
    public void A_time_after_the_clock_is_named_in_the_warning()
    {
        var api = new ApiServer();
        var rollout = BlueGreen("nginx:1");
        var forged = FirstCallHistory(api, rollout).Replace("2026-11-27T10:00:00Z", "2026-11-27T10:00:05Z", StringComparison.Ordinal);

        Reinvoke(api, rollout, forged).Warnings
            .ShouldBe([$"{RevisionHistoryAnnotation.Key}: entry time 2026-11-27T10:00:05Z is not the webhook's; history recomputed"]);
    }
}


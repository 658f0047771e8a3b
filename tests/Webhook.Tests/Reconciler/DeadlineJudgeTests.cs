using System.Text.Json;
using System.Text.Json.Nodes;
using DeadlineGuard.History;
using DeadlineGuard.Policy;
using DeadlineGuard.Reconciler;

namespace DeadlineGuard.Tests.Reconciler;

public sealed class DeadlineJudgeTests
{
    private static readonly DateTimeOffset Rev4Started = RolloutObjects.Rev4Started;
    private const int Grace = 30;

    /// <summary>The seed timeline's Rollout at revision 4 (broken image), stuck as in upstream #3988.</summary>
    private static JsonObject StuckRevision4() => RolloutObjects.StuckRevision4();

    private static JsonObject Status(JsonObject r) => r["status"]!.AsObject();

    private static DateTimeOffset At(string time) => DateTimeOffset.Parse(time, System.Globalization.CultureInfo.InvariantCulture);

    private static JsonObject Progressing(JsonObject r) => r["status"]!["conditions"]![0]!.AsObject();

    private static JsonObject Canary(JsonObject r, string stepKind, int index)
    {
        r["spec"]!["strategy"] = new JsonObject
        {
            ["canary"] = new JsonObject
            {
                ["steps"] = new JsonArray(new JsonObject { ["setWeight"] = 20 }, new JsonObject { [stepKind] = new JsonObject() }, new JsonObject { ["setWeight"] = 100 }),
            },
        };
        Status(r)["currentStepIndex"] = index;
        Status(r)["message"] = "waiting for all steps to complete";
        return r;
    }

    /// <summary>Revision 4's last progress (its Progressing lastUpdateTime) plus its 60 s deadline and the grace.</summary>
    private static readonly DateTimeOffset StuckDue = Rev4Started.AddSeconds(2 + 60 + Grace);

    /// <summary>
    /// Every row that is not timed changes revision 4 in one respect (its status, its namespace, its steps...), and the
    /// first rows show revision 4 as seeded timed and, an hour on, exceeded: that change is why it is left alone.
    /// </summary>
    public static TheoryData<string, Func<JsonObject>, TimeSpan, VerdictKind, DateTimeOffset?, LimitKind> Cases => new()
    {
        { "the stuck BlueGreen revision 4 is past 60 s + grace", StuckRevision4, TimeSpan.FromSeconds(200), VerdictKind.Exceeded, StuckDue, LimitKind.Deadline },
        { "revision 4 an hour on, as seeded: still exceeded", StuckRevision4, TimeSpan.FromHours(1), VerdictKind.Exceeded, StuckDue, LimitKind.Deadline },
        { "revision 4 within its deadline", StuckRevision4, TimeSpan.FromSeconds(40), VerdictKind.Waiting, StuckDue, LimitKind.Deadline },
        { "revision 4 past the deadline but within grace: Argo gets the first chance", StuckRevision4, TimeSpan.FromSeconds(80), VerdictKind.Waiting, StuckDue, LimitKind.Deadline },
        { "already aborted (status.abort), whatever the phase says", () => { var r = StuckRevision4(); Status(r)["abort"] = true; return r; }, TimeSpan.FromHours(1), VerdictKind.Idle, null, LimitKind.Deadline },
        { "healthy", () => { var r = StuckRevision4(); Status(r)["phase"] = "Healthy"; Progressing(r)["reason"] = "NewReplicaSetAvailable"; return r; }, TimeSpan.FromHours(1), VerdictKind.Idle, null, LimitKind.Deadline },
        { "Degraded by Argo's own deadline", () => { var r = StuckRevision4(); Status(r)["phase"] = "Degraded"; Progressing(r)["status"] = "False"; Progressing(r)["reason"] = "ProgressDeadlineExceeded"; return r; }, TimeSpan.FromHours(1), VerdictKind.Idle, null, LimitKind.Deadline },
        { "spec.paused: for the pause limit, not the deadline", () => { var r = StuckRevision4(); r["spec"]!["paused"] = true; return r; }, TimeSpan.FromHours(1), VerdictKind.Idle, null, LimitKind.Pause },
        { "BlueGreen awaiting promotion: for the pause limit, not the deadline", () => { var r = StuckRevision4(); Status(r)["pauseConditions"] = JsonNode.Parse("""[{"reason":"BlueGreenPause","startTime":"2026-11-27T10:15:30Z"}]"""); Status(r)["phase"] = "Paused"; return r; }, TimeSpan.FromHours(1), VerdictKind.Idle, null, LimitKind.Pause },
        { "Paused condition true: for the pause limit, not the deadline", () => { var r = StuckRevision4(); Status(r)["conditions"]!.AsArray().Add(JsonNode.Parse("""{"type":"Paused","status":"True","reason":"RolloutPaused"}""")); return r; }, TimeSpan.FromHours(1), VerdictKind.Idle, null, LimitKind.Pause },
        { "canary at a pause step", () => Canary(StuckRevision4(), "pause", 1), TimeSpan.FromHours(1), VerdictKind.Idle, null, LimitKind.Deadline },
        { "canary at an analysis step", () => Canary(StuckRevision4(), "analysis", 1), TimeSpan.FromHours(1), VerdictKind.Idle, null, LimitKind.Deadline },
        { "canary at an experiment step", () => Canary(StuckRevision4(), "experiment", 1), TimeSpan.FromHours(1), VerdictKind.Idle, null, LimitKind.Deadline },
        { "canary at a setWeight step is timed", () => Canary(StuckRevision4(), "pause", 0), TimeSpan.FromHours(1), VerdictKind.Exceeded, StuckDue, LimitKind.Deadline },
        { "progress 5 s ago", () => { var r = StuckRevision4(); Progressing(r)["lastUpdateTime"] = "2026-11-27T11:14:55Z"; return r; }, TimeSpan.FromHours(1), VerdictKind.Waiting, At("2026-11-27T11:14:55Z").AddSeconds(60 + Grace), LimitKind.Deadline },
        { "a user's retry restarts the clock", () => { var r = StuckRevision4(); Progressing(r)["status"] = "Unknown"; Progressing(r)["reason"] = "RolloutRetry"; Progressing(r)["lastUpdateTime"] = "2026-11-27T11:14:30Z"; return r; }, TimeSpan.FromHours(1), VerdictKind.Waiting, At("2026-11-27T11:14:30Z").AddSeconds(60 + Grace), LimitKind.Deadline },
        { "exempt by annotation in a sandbox namespace", () => { var r = StuckRevision4(); r["metadata"]!["namespace"] = "sandbox-1"; r["metadata"]!["annotations"]!["deadline-guard.io/exempt"] = "load test"; return r; }, TimeSpan.FromHours(1), VerdictKind.Idle, null, LimitKind.Deadline },
        { "in a sandbox namespace without the annotation: timed", () => { var r = StuckRevision4(); r["metadata"]!["namespace"] = "sandbox-1"; return r; }, TimeSpan.FromHours(1), VerdictKind.Exceeded, StuckDue, LimitKind.Deadline },
        { "an exemption annotation outside allowedIn does not count", () => { var r = StuckRevision4(); r["metadata"]!["annotations"]!["deadline-guard.io/exempt"] = "please"; return r; }, TimeSpan.FromHours(1), VerdictKind.Exceeded, StuckDue, LimitKind.Deadline },
        { "exempt namespace", () => { var r = StuckRevision4(); r["metadata"]!["namespace"] = "kube-system"; return r; }, TimeSpan.FromHours(1), VerdictKind.Idle, null, LimitKind.Deadline },
        { "status of an older generation", () => { var r = StuckRevision4(); r["metadata"]!["generation"] = 5; return r; }, TimeSpan.FromHours(1), VerdictKind.Idle, null, LimitKind.Deadline },
        { "no Progressing condition yet", () => { var r = StuckRevision4(); Status(r)["conditions"] = new JsonArray(); return r; }, TimeSpan.FromHours(1), VerdictKind.Idle, null, LimitKind.Deadline },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_judge_acts_only_on_a_revision_stuck_past_its_deadline(string because, Func<JsonObject> rollout, TimeSpan after, VerdictKind expected, DateTimeOffset? due, LimitKind limit)
    {
        var verdict = DeadlineJudge.Judge(Snapshots.From(rollout()), DeadlinePolicy.BuiltIn, Rev4Started + after, Grace);

        verdict.ShouldSatisfyAllConditions(
            because,
            v => v.Kind.ShouldBe(expected, v.Reason),
            v => v.DueAt.ShouldBe(due),
            v => v.Limit.ShouldBe(limit),
            v => v.Problem.ShouldBeNull());
    }

    [Fact]
    public void The_stuck_revision_is_judged_with_the_deadline_and_abort_in_force()
    {
        var verdict = DeadlineJudge.Judge(Snapshots.From(StuckRevision4()), DeadlinePolicy.BuiltIn, Rev4Started.AddSeconds(200), Grace);

        verdict.ShouldSatisfyAllConditions(
            v => v.DeadlineSeconds.ShouldBe(60),
            v => v.RecordedDeadlineSeconds.ShouldBe(60),
            v => v.Abort.ShouldBeTrue(),
            v => v.Revision.ShouldBe(4),
            v => v.ProgressSince.ShouldBe(Rev4Started.AddSeconds(2)),
            v => v.DueAt.ShouldBe(Rev4Started.AddSeconds(2 + 60 + Grace)));
    }

    /// <summary>
    /// DESIGN.md §5: the deadline and abort in force are the Rollout's current spec (Argo's 600 s and false when unset);
    /// the history entry only says when the revision started and what was recorded then.
    /// </summary>
    public static TheoryData<string, Func<JsonObject>, TimeSpan, VerdictKind, int, bool, int?> InForce => new()
    {
        { "a deadline raised mid-revision (60 s to 3600 s) is obeyed at once: no abort before the new one", () => WithSpec(StuckRevision4(), 3600, true), TimeSpan.FromSeconds(200), VerdictKind.Waiting, 3600, true, 60 },
        { "raised mid-revision: aborted once the new deadline and grace have passed", () => WithSpec(StuckRevision4(), 3600, true), TimeSpan.FromSeconds(2 + 3600 + Grace), VerdictKind.Exceeded, 3600, true, 60 },
        { "a deadline lowered mid-revision (600 s to 60 s) holds the revision to the new one", () => WithSpec(Recorded(StuckRevision4(), 600, true), 60, true), TimeSpan.FromSeconds(100), VerdictKind.Exceeded, 60, true, 600 },
        { "abort turned off mid-revision: exceeded, reported, not aborted", () => WithSpec(StuckRevision4(), 60, false), TimeSpan.FromSeconds(200), VerdictKind.Exceeded, 60, false, 60 },
        { "abort turned on after a revision recorded without it: aborted", () => WithSpec(Recorded(StuckRevision4(), 60, false), 60, true), TimeSpan.FromSeconds(200), VerdictKind.Exceeded, 60, true, 60 },
        { "no history: the spec's values and the Progressing time", () => WithSpec(WithoutHistory(StuckRevision4()), 120, true), TimeSpan.FromSeconds(160), VerdictKind.Exceeded, 120, true, null },
        { "no history and no deadline: Argo's 600 s and no abort", () => WithSpec(WithoutHistory(StuckRevision4()), null, null), TimeSpan.FromSeconds(200), VerdictKind.Waiting, 600, false, null },
        { "a history whose fingerprint matches nothing (the template changed behind the webhook): the spec and the Progressing time", () => TemplateChangedBehindTheWebhook(StuckRevision4()), TimeSpan.FromSeconds(100), VerdictKind.Exceeded, 60, true, null },
    };

    [Theory]
    [MemberData(nameof(InForce))]
    public void The_deadline_and_abort_in_force_are_the_current_specs(string because, Func<JsonObject> rollout, TimeSpan after, VerdictKind expected, int deadline, bool abort, int? recorded)
    {
        var verdict = DeadlineJudge.Judge(Snapshots.From(rollout()), DeadlinePolicy.BuiltIn, Rev4Started + after, Grace);

        verdict.ShouldSatisfyAllConditions(
            because,
            v => v.Kind.ShouldBe(expected, v.Reason),
            v => v.DeadlineSeconds.ShouldBe(deadline),
            v => v.Abort.ShouldBe(abort),
            v => v.RecordedDeadlineSeconds.ShouldBe(recorded),
            v => v.ProgressSince.ShouldBe(Rev4Started.AddSeconds(2)));
    }

    [Fact]
    public void The_event_names_the_deadline_in_force_and_the_one_recorded_when_they_differ()
    {
        var lowered = DeadlineJudge.Judge(Snapshots.From(WithSpec(Recorded(StuckRevision4(), 600, true), 60, true)), DeadlinePolicy.BuiltIn, Rev4Started.AddSeconds(100), Grace);
        var same = DeadlineJudge.Judge(Snapshots.From(StuckRevision4()), DeadlinePolicy.BuiltIn, Rev4Started.AddSeconds(100), Grace);
        var rollout = Snapshots.From(StuckRevision4());

        DeadlineActions.Note(rollout, lowered, ActionTaken.Aborted).ShouldBe(
            "Rollout checkout revision 4 made no progress since 2026-11-27T10:15:02Z, past its 60s progress deadline (changed from the 600s in force when the revision started) "
            + "(due with grace at 2026-11-27T10:16:32Z); deadline-guard aborted it (status.abort=true), as kubectl argo rollouts abort does.");
        DeadlineActions.Note(rollout, same, ActionTaken.Aborted).ShouldBe(
            "Rollout checkout revision 4 made no progress since 2026-11-27T10:15:02Z, past its 60s progress deadline "
            + "(due with grace at 2026-11-27T10:16:32Z); deadline-guard aborted it (status.abort=true), as kubectl argo rollouts abort does.");
    }

    /// <summary>DESIGN.md §5: an entry's at later than now, or earlier than the Rollout's creationTimestamp, is not trusted.</summary>
    public static TheoryData<string, Func<JsonObject>, TimeSpan, VerdictKind, DateTimeOffset?> Forged => new()
    {
        // Trusted, the forged start would put the deadline an hour off; ignored, the Progressing time decides.
        { "an entry that says the revision starts an hour from now", () => ForgeStart(StuckRevision4(), Rev4Started.AddHours(1)), TimeSpan.FromSeconds(200), VerdictKind.Exceeded, Rev4Started.AddSeconds(2) },
        { "an entry dated before the Rollout was created", () => ForgeStart(StuckRevision4(), Rev4Started.AddDays(-1)), TimeSpan.FromSeconds(200), VerdictKind.Exceeded, Rev4Started.AddSeconds(2) },
        // Trusted, a start forged into the past would abort at once; ignored, and with no Progressing time, nothing is timed.
        { "an entry dated before the creation, with no progress recorded", () => WithoutProgress(ForgeStart(StuckRevision4(), Rev4Started.AddDays(-1))), TimeSpan.FromSeconds(200), VerdictKind.Idle, null },
        { "an entry a few seconds before creationTimestamp (admission runs before the API server stamps it) is trusted", () => WithoutProgress(ForgeCreation(StuckRevision4(), Rev4Started.AddSeconds(20))), TimeSpan.FromSeconds(200), VerdictKind.Exceeded, Rev4Started },
    };

    [Theory]
    [MemberData(nameof(Forged))]
    public void A_history_entry_with_an_impossible_start_is_not_trusted(string because, Func<JsonObject> rollout, TimeSpan after, VerdictKind expected, DateTimeOffset? since)
    {
        var verdict = DeadlineJudge.Judge(Snapshots.From(rollout()), DeadlinePolicy.BuiltIn, Rev4Started + after, Grace);

        verdict.ShouldSatisfyAllConditions(
            because,
            v => v.Kind.ShouldBe(expected, v.Reason),
            v => v.ProgressSince.ShouldBe(since),
            v => v.DueAt.ShouldBe(since?.AddSeconds(60 + Grace)));
    }

    [Fact]
    public void Without_history_the_spec_values_and_the_progressing_time_decide()
    {
        var rollout = StuckRevision4();
        rollout["metadata"]!["annotations"]!.AsObject().Remove(RevisionHistoryAnnotation.Key);
        rollout["spec"]!["progressDeadlineSeconds"] = 120;

        var waiting = DeadlineJudge.Judge(Snapshots.From(rollout), DeadlinePolicy.BuiltIn, Rev4Started.AddSeconds(140), Grace);
        var exceeded = DeadlineJudge.Judge(Snapshots.From(rollout), DeadlinePolicy.BuiltIn, Rev4Started.AddSeconds(160), Grace);

        waiting.Kind.ShouldBe(VerdictKind.Waiting);
        exceeded.Kind.ShouldBe(VerdictKind.Exceeded);
        exceeded.DeadlineSeconds.ShouldBe(120);
    }

    [Fact]
    public void The_history_entry_time_counts_when_the_controller_has_not_moved_the_condition_since()
    {
        var rollout = StuckRevision4();
        Progressing(rollout)["lastUpdateTime"] = "2026-11-27T09:00:00Z"; // older than the revision's start

        var verdict = DeadlineJudge.Judge(Snapshots.From(rollout), DeadlinePolicy.BuiltIn, Rev4Started.AddSeconds(100), Grace);

        verdict.ProgressSince.ShouldBe(Rev4Started);
        verdict.Kind.ShouldBe(VerdictKind.Exceeded);
    }

    [Fact]
    public void Each_retry_gets_its_own_revision_key_so_the_reconciler_can_act_again()
    {
        var first = DeadlineJudge.Judge(Snapshots.From(StuckRevision4()), DeadlinePolicy.BuiltIn, Rev4Started.AddSeconds(200), Grace);
        var retried = StuckRevision4();
        Progressing(retried)["reason"] = "RolloutRetry";
        Progressing(retried)["lastUpdateTime"] = "2026-11-27T10:20:00Z";
        var second = DeadlineJudge.Judge(Snapshots.From(retried), DeadlinePolicy.BuiltIn, Rev4Started.AddSeconds(600), Grace);

        second.Kind.ShouldBe(VerdictKind.Exceeded);
        second.RevisionKey.ShouldNotBe(first.RevisionKey);
    }

    [Fact]
    public void The_revision_key_is_the_fingerprint_and_the_progress_clock_as_the_webhook_recorded_it()
    {
        // Event names derive from this key: it must not change across versions, or a restarted reconciler would act twice.
        var rollout = StuckRevision4();
        var entry = CurrentEntry(rollout);

        var verdict = DeadlineJudge.Judge(Snapshots.From(rollout), DeadlinePolicy.BuiltIn, Rev4Started.AddSeconds(200), Grace);

        verdict.RevisionKey.ShouldBe($"{entry.Fingerprint}@{Rev4Started.AddSeconds(2).ToUnixTimeSeconds()}");
    }

    [Fact]
    public void A_snapshot_decoded_before_the_policy_changed_its_exemption_annotation_waits_for_the_relist()
    {
        var policy = DeadlinePolicy.BuiltIn with { Exemptions = DeadlinePolicy.BuiltIn.Exemptions with { Annotation = "example.com/exempt" } };
        var snapshot = Snapshots.From(StuckRevision4());

        var verdict = DeadlineJudge.Judge(snapshot, policy, Rev4Started.AddSeconds(200), Grace);
        var relisted = DeadlineJudge.Judge(Snapshots.From(StuckRevision4(), Snapshots.Decoder("example.com/exempt")), policy, Rev4Started.AddSeconds(200), Grace);

        (verdict.Kind, verdict.DueAt).ShouldBe((VerdictKind.Idle, null));
        (relisted.Kind, relisted.DueAt).ShouldBe((VerdictKind.Exceeded, StuckDue), "decoded for the new annotation, it is judged");
    }

    [Fact]
    public void A_snapshot_with_a_duplicated_key_is_left_alone()
    {
        var json = JsonSerializer.Serialize(StuckRevision4());
        var duplicated = json.Replace("\"spec\":{", "\"spec\":{\"progressDeadlineSeconds\":3600,", StringComparison.Ordinal);

        var verdict = DeadlineJudge.Judge(Snapshots.From(duplicated), DeadlinePolicy.BuiltIn, Rev4Started.AddSeconds(200), Grace);
        var once = DeadlineJudge.Judge(Snapshots.From(json), DeadlinePolicy.BuiltIn, Rev4Started.AddSeconds(200), Grace);

        (verdict.Kind, verdict.DueAt).ShouldBe((VerdictKind.Idle, null));
        once.Kind.ShouldBe(VerdictKind.Exceeded, "the same object without the duplicate is judged");
    }

    // The pause limit (DESIGN.md §5). Every paused fixture's pause condition starts at PauseStart; the limit is 3600 s.
    private static readonly DateTimeOffset PauseStart = Rev4Started.AddSeconds(30);
    private const int PauseLimit = 3600;
    private static readonly DateTimeOffset PauseDue = PauseStart.AddSeconds(PauseLimit + Grace);

    private static DeadlinePolicy Limited(int seconds = PauseLimit, bool abort = true) =>
        DeadlinePolicy.BuiltIn with { Pauses = new PauseOptions(seconds, abort) };

    private static DeadlinePolicy WithOverride(DeadlinePolicy policy, string glob, int? maxSeconds, bool? abort = null) =>
        policy with { Overrides = [new PolicyOverride([glob], null, null, null, null, null, null, null, maxSeconds, abort)] };

    /// <summary>BlueGreen with autoPromotionEnabled: false; its revision 2 waits for promotion since <see cref="PauseStart"/>.</summary>
    private static JsonObject AwaitingPromotion(string ns = "shop") => RolloutObjects.AwaitingPromotion(ns, "search", Rev4Started);

    /// <summary>A canary at its step 1, <c>pause: {}</c>, since <see cref="PauseStart"/>.</summary>
    private static JsonObject CanaryPaused() => RolloutObjects.CanaryAtPauseStep("shop", "reviews", Rev4Started.AddSeconds(10));

    private static JsonObject BlueGreen(JsonObject r) => r["spec"]!["strategy"]!["blueGreen"]!.AsObject();

    private static JsonObject FirstPause(JsonObject r) => Status(r)["pauseConditions"]![0]!.AsObject();

    private static JsonObject AutoPromotion(JsonObject r, bool? enabled, int? seconds)
    {
        BlueGreen(r).Remove("autoPromotionEnabled");
        if (enabled is { } e)
        {
            BlueGreen(r)["autoPromotionEnabled"] = e;
        }

        if (seconds is { } s)
        {
            BlueGreen(r)["autoPromotionSeconds"] = s;
        }

        return r;
    }

    private static JsonObject PauseWithDuration(JsonObject r, string duration)
    {
        r["spec"]!["strategy"]!["canary"]!["steps"]![1]!["pause"]!["duration"] = duration;
        return r;
    }

    /// <summary>A canary at its analysis step (1) whose run came back inconclusive: Argo pauses it for a person.</summary>
    private static JsonObject Inconclusive(string reason)
    {
        var r = RolloutObjects.CanaryAtAnalysisStep("shop", "ratings", Rev4Started);
        Status(r)["phase"] = "Paused";
        Status(r)["message"] = reason;
        Status(r)["controllerPause"] = true;
        Status(r)["pauseConditions"] = new JsonArray(new JsonObject { ["reason"] = reason, ["startTime"] = RolloutObjects.Time(PauseStart) });
        return r;
    }

    private static JsonObject Set(JsonObject r, Action<JsonObject> change)
    {
        change(r);
        return r;
    }

    /// <summary>
    /// The pause limit in force (null: no pause is timed) for each case. Every row that is not timed changes one of the
    /// timed rows in one respect (the strategy's promotion, the step, the policy, the namespace...).
    /// </summary>
    public static TheoryData<string, Func<JsonObject>, DeadlinePolicy, TimeSpan, VerdictKind, int?, LimitKind> Pauses => new()
    {
        // What counts.
        { "BlueGreen awaiting promotion past the limit and grace: exceeded", () => AwaitingPromotion(), Limited(), TimeSpan.FromSeconds(PauseLimit + Grace), VerdictKind.Exceeded, PauseLimit, LimitKind.Pause },
        { "BlueGreen awaiting promotion a second before the limit and grace: waiting", () => AwaitingPromotion(), Limited(), TimeSpan.FromSeconds(PauseLimit + Grace - 1), VerdictKind.Waiting, PauseLimit, LimitKind.Pause },
        { "BlueGreen awaiting promotion past the limit but within grace: waiting", () => AwaitingPromotion(), Limited(), TimeSpan.FromSeconds(PauseLimit + 10), VerdictKind.Waiting, PauseLimit, LimitKind.Pause },
        { "autoPromotionEnabled false with autoPromotionSeconds 300: Argo ignores the seconds, counted", () => AutoPromotion(AwaitingPromotion(), false, 300), Limited(), TimeSpan.FromHours(2), VerdictKind.Exceeded, PauseLimit, LimitKind.Pause },
        { "auto-promotion on with autoPromotionSeconds 300: a timed pause Argo ends, not counted", () => AutoPromotion(AwaitingPromotion(), null, 300), Limited(), TimeSpan.FromHours(2), VerdictKind.Idle, null, LimitKind.Pause },
        { "autoPromotionEnabled true with autoPromotionSeconds 300: not counted", () => AutoPromotion(AwaitingPromotion(), true, 300), Limited(), TimeSpan.FromHours(2), VerdictKind.Idle, null, LimitKind.Pause },
        { "auto-promotion on without autoPromotionSeconds: Argo removes the pause itself, not counted", () => AutoPromotion(AwaitingPromotion(), null, null), Limited(), TimeSpan.FromHours(2), VerdictKind.Idle, null, LimitKind.Pause },
        { "canary at pause: {} past the limit: counted", CanaryPaused, Limited(), TimeSpan.FromHours(2), VerdictKind.Exceeded, PauseLimit, LimitKind.Pause },
        { "canary at pause: {duration: 1h}: a timed pause, not counted", () => PauseWithDuration(CanaryPaused(), "1h"), Limited(), TimeSpan.FromHours(2), VerdictKind.Idle, null, LimitKind.Pause },
        { "canary without currentStepIndex is at step 0, as Argo reads it: a setWeight step, not counted", () => Set(CanaryPaused(), r => Status(r).Remove("currentStepIndex")), Limited(), TimeSpan.FromHours(2), VerdictKind.Idle, null, LimitKind.Pause },
        { "InconclusiveAnalysisRun past the limit: counted", () => Inconclusive("InconclusiveAnalysisRun"), Limited(), TimeSpan.FromHours(2), VerdictKind.Exceeded, PauseLimit, LimitKind.Pause },
        { "InconclusiveExperiment: not one of the pauses DESIGN §5 limits", () => Inconclusive("InconclusiveExperiment"), Limited(), TimeSpan.FromHours(2), VerdictKind.Idle, null, LimitKind.Pause },

        // What never counts.
        { "spec.paused by a person: never counted, even on a BlueGreen awaiting promotion", () => Set(AwaitingPromotion(), r => r["spec"]!["paused"] = true), Limited(), TimeSpan.FromDays(7), VerdictKind.Idle, null, LimitKind.Pause },
        { "limit 0: off", () => AwaitingPromotion(), Limited(0), TimeSpan.FromDays(7), VerdictKind.Idle, null, LimitKind.Pause },
        { "the built-in policy has no pause limit", () => AwaitingPromotion(), DeadlinePolicy.BuiltIn, TimeSpan.FromDays(7), VerdictKind.Idle, null, LimitKind.Pause },
        { "a Paused condition without any pause condition: nothing to time", () => Set(AwaitingPromotion(), r => Status(r).Remove("pauseConditions")), Limited(), TimeSpan.FromDays(7), VerdictKind.Idle, null, LimitKind.Pause },
        { "status of an older generation", () => Set(AwaitingPromotion(), r => r["metadata"]!["generation"] = 5), Limited(), TimeSpan.FromDays(7), VerdictKind.Idle, null, LimitKind.Pause },
        { "already aborted", () => Set(AwaitingPromotion(), r => Status(r)["abort"] = true), Limited(), TimeSpan.FromDays(7), VerdictKind.Idle, null, LimitKind.Deadline },

        // Per namespace.
        { "an override raises the limit for its namespaces: waiting past the policy's own", () => AwaitingPromotion(), WithOverride(Limited(), "shop", 7200), TimeSpan.FromSeconds(PauseLimit + Grace + 60), VerdictKind.Waiting, 7200, LimitKind.Pause },
        { "an override sets a limit where the policy has none", () => AwaitingPromotion(), WithOverride(DeadlinePolicy.BuiltIn, "sh*", 600), TimeSpan.FromSeconds(600 + Grace), VerdictKind.Exceeded, 600, LimitKind.Pause },
        { "an override turns the limit off for its namespaces", () => AwaitingPromotion(), WithOverride(Limited(), "shop", 0), TimeSpan.FromDays(7), VerdictKind.Idle, null, LimitKind.Pause },
        { "an override for other namespaces changes nothing here", () => AwaitingPromotion(), WithOverride(Limited(), "team-*", 0), TimeSpan.FromSeconds(PauseLimit + Grace), VerdictKind.Exceeded, PauseLimit, LimitKind.Pause },

        // Exemptions.
        { "exempt namespace", () => Set(AwaitingPromotion(), r => r["metadata"]!["namespace"] = "kube-system"), Limited(), TimeSpan.FromDays(7), VerdictKind.Idle, null, LimitKind.Deadline },
        { "exempt by annotation in a sandbox namespace", () => Set(AwaitingPromotion("sandbox-1"), r => r["metadata"]!["annotations"]![RolloutObjects.ExemptAnnotation] = "demo, promoted by hand"), Limited(), TimeSpan.FromDays(7), VerdictKind.Idle, null, LimitKind.Pause },
        { "an exemption annotation outside allowedIn does not count", () => Set(AwaitingPromotion(), r => r["metadata"]!["annotations"]![RolloutObjects.ExemptAnnotation] = "please"), Limited(), TimeSpan.FromDays(7), VerdictKind.Exceeded, PauseLimit, LimitKind.Pause },
    };

    [Theory]
    [MemberData(nameof(Pauses))]
    public void The_pause_limit_counts_only_indefinite_pauses_from_their_start(string because, Func<JsonObject> rollout, DeadlinePolicy policy, TimeSpan afterPauseStart, VerdictKind expected, int? limitSeconds, LimitKind limit)
    {
        var verdict = DeadlineJudge.Judge(Snapshots.From(rollout()), policy, PauseStart + afterPauseStart, Grace);

        verdict.ShouldSatisfyAllConditions(
            because,
            v => v.Kind.ShouldBe(expected, v.Reason),
            v => v.Limit.ShouldBe(limit),
            v => (v.Pause?.LimitSeconds).ShouldBe(limitSeconds, "the limit in force for the namespace"),
            v => (v.Pause?.Since).ShouldBe(limitSeconds is null ? null : PauseStart),
            v => v.DueAt.ShouldBe(limitSeconds is { } seconds ? PauseStart.AddSeconds(seconds + Grace) : null),
            v => v.Problem.ShouldBeNull());
    }

    [Fact]
    public void A_pause_within_the_limit_waits_for_the_due_moment_and_one_past_it_names_the_pause()
    {
        var waiting = DeadlineJudge.Judge(Snapshots.From(AwaitingPromotion()), Limited(), PauseStart.AddMinutes(10), Grace);
        var exceeded = DeadlineJudge.Judge(Snapshots.From(AwaitingPromotion()), Limited(), PauseDue, Grace);

        waiting.ShouldSatisfyAllConditions(
            v => v.Kind.ShouldBe(VerdictKind.Waiting),
            v => v.Limit.ShouldBe(LimitKind.Pause),
            v => v.DueAt.ShouldBe(PauseDue),
            v => v.RevisionKey.ShouldBeEmpty());
        exceeded.ShouldSatisfyAllConditions(
            v => v.Kind.ShouldBe(VerdictKind.Exceeded),
            v => v.Limit.ShouldBe(LimitKind.Pause),
            v => v.DueAt.ShouldBe(PauseDue),
            v => v.Abort.ShouldBeTrue(),
            v => v.Revision.ShouldBe(2),
            v => v.Pause.ShouldBe(new IndefinitePause("BlueGreenPause", PauseStart, PauseLimit)),
            v => v.RevisionKey.ShouldBe($"pause|BlueGreenPause@{PauseStart.ToUnixTimeSeconds()}"));
    }

    [Fact]
    public void With_pauses_abort_false_the_pause_is_exceeded_but_reported_only()
    {
        var policyWide = DeadlineJudge.Judge(Snapshots.From(AwaitingPromotion()), Limited(abort: false), PauseDue, Grace);
        var perNamespace = DeadlineJudge.Judge(Snapshots.From(AwaitingPromotion()), WithOverride(Limited(), "shop", null, abort: false), PauseDue, Grace);

        policyWide.Kind.ShouldBe(VerdictKind.Exceeded);
        policyWide.Abort.ShouldBeFalse();
        perNamespace.Kind.ShouldBe(VerdictKind.Exceeded);
        perNamespace.Abort.ShouldBeFalse();
        perNamespace.Pause!.LimitSeconds.ShouldBe(PauseLimit, "the override keeps the policy's limit");
        DeadlineActions.Note(Snapshots.From(AwaitingPromotion()), policyWide, ActionTaken.Reported).ShouldContain("did not abort it: the policy's pauses.abort is false");
    }

    [Fact]
    public void The_pause_limit_is_keyed_by_the_pause_so_a_later_pause_is_acted_on_again()
    {
        var first = DeadlineJudge.Judge(Snapshots.From(AwaitingPromotion()), Limited(), PauseDue, Grace);
        var later = AwaitingPromotion();
        FirstPause(later)["startTime"] = RolloutObjects.Time(PauseStart.AddHours(3));
        var second = DeadlineJudge.Judge(Snapshots.From(later), Limited(), PauseDue.AddHours(3), Grace);

        second.Kind.ShouldBe(VerdictKind.Exceeded);
        second.RevisionKey.ShouldNotBe(first.RevisionKey);
        DeadlineActions.EventName(Snapshots.From(later), second.RevisionKey).ShouldNotBe(DeadlineActions.EventName(Snapshots.From(later), first.RevisionKey));
    }

    [Fact]
    public void Of_two_indefinite_pauses_the_older_falls_due_first()
    {
        var rollout = Inconclusive("InconclusiveAnalysisRun");
        rollout["spec"]!["strategy"]!["canary"]!["steps"]![1] = new JsonObject { ["pause"] = new JsonObject() };
        Status(rollout)["pauseConditions"]!.AsArray().Insert(0, new JsonObject { ["reason"] = "CanaryPauseStep", ["startTime"] = RolloutObjects.Time(PauseStart.AddMinutes(5)) });

        var verdict = DeadlineJudge.Judge(Snapshots.From(rollout), Limited(), PauseStart.AddMinutes(1), Grace);

        verdict.Pause!.Reason.ShouldBe("InconclusiveAnalysisRun");
        verdict.DueAt.ShouldBe(PauseDue);
    }

    [Fact]
    public void The_event_says_which_pause_since_when_and_under_which_limit()
    {
        var rollout = Snapshots.From(AwaitingPromotion());
        var verdict = DeadlineJudge.Judge(rollout, Limited(), PauseDue, Grace);

        DeadlineActions.Note(rollout, verdict, ActionTaken.Aborted).ShouldBe(
            "Rollout search revision 2 has been paused awaiting promotion (BlueGreenPause, autoPromotionEnabled: false) since 2026-11-27T10:15:30Z, "
            + "past the pause limit of 3600s (due with grace at 2026-11-27T11:16:00Z); deadline-guard aborted it (status.abort=true), as kubectl argo rollouts abort does.");
        DeadlineActions.Note(rollout, verdict, ActionTaken.WouldAbort).ShouldContain("would abort it (dry run: nothing changed)");
    }

    /// <summary>Bad input: no crash, no action, and a reason (and a problem, which the loop logs once and counts).</summary>
    public static TheoryData<string, Func<JsonObject>, PauseInputProblem> UnreadablePauses => new()
    {
        { "a pause condition without startTime", () => Set(AwaitingPromotion(), r => FirstPause(r).Remove("startTime")), PauseInputProblem.MissingStartTime },
        { "a null startTime", () => Set(AwaitingPromotion(), r => FirstPause(r)["startTime"] = null), PauseInputProblem.MissingStartTime },
        { "a startTime that does not parse", () => Set(AwaitingPromotion(), r => FirstPause(r)["startTime"] = "2026-13-45T99:00:00Z"), PauseInputProblem.UnparseableStartTime },
        { "a startTime that is a number", () => Set(AwaitingPromotion(), r => FirstPause(r)["startTime"] = 1764238530), PauseInputProblem.WrongType },
        { "a pause condition that is not an object", () => Set(AwaitingPromotion(), r => Status(r)["pauseConditions"] = new JsonArray(7)), PauseInputProblem.WrongType },
        { "pauseConditions that are not a list", () => Set(AwaitingPromotion(), r => Status(r)["pauseConditions"] = new JsonObject { ["reason"] = "BlueGreenPause" }), PauseInputProblem.WrongType },
        { "a canary step index past the steps", () => Set(CanaryPaused(), r => Status(r)["currentStepIndex"] = 7), PauseInputProblem.StepIndexPastSteps },
        { "a negative canary step index", () => Set(CanaryPaused(), r => Status(r)["currentStepIndex"] = -1), PauseInputProblem.StepIndexPastSteps },
        { "a canary step index that is a string", () => Set(CanaryPaused(), r => Status(r)["currentStepIndex"] = "1"), PauseInputProblem.WrongType },
        { "autoPromotionEnabled that is a string", () => Set(AwaitingPromotion(), r => BlueGreen(r)["autoPromotionEnabled"] = "false"), PauseInputProblem.WrongType },
        { "autoPromotionSeconds that is a string, with auto-promotion on", () => AutoPromotion(Set(AwaitingPromotion(), r => BlueGreen(r)["autoPromotionSeconds"] = "300"), null, null), PauseInputProblem.WrongType },
    };

    [Theory]
    [MemberData(nameof(UnreadablePauses))]
    public void A_pause_whose_data_cannot_be_read_is_left_alone_and_the_verdict_says_why(string because, Func<JsonObject> rollout, PauseInputProblem problem)
    {
        var verdict = DeadlineJudge.Judge(Snapshots.From(rollout()), Limited(), PauseStart.AddDays(7), Grace);

        verdict.ShouldSatisfyAllConditions(
            because,
            v => v.Kind.ShouldBe(VerdictKind.Idle, v.Reason),
            v => v.Limit.ShouldBe(LimitKind.Pause),
            v => v.DueAt.ShouldBeNull(),
            v => v.Problem.ShouldBe(problem));
    }

    [Fact]
    public void Unreadable_pause_data_is_not_a_problem_while_no_pause_limit_is_in_force()
    {
        var rollout = Set(AwaitingPromotion(), r => FirstPause(r).Remove("startTime"));

        var verdict = DeadlineJudge.Judge(Snapshots.From(rollout), DeadlinePolicy.BuiltIn, PauseStart.AddDays(7), Grace);

        (verdict.Kind, verdict.Limit, verdict.Problem).ShouldBe((VerdictKind.Idle, LimitKind.Pause, (PauseInputProblem?)null));
    }

    [Fact]
    public void A_pause_starting_near_the_end_of_time_waits_instead_of_failing()
    {
        var rollout = Set(AwaitingPromotion(), r => FirstPause(r)["startTime"] = "9999-12-31T23:00:00Z");

        var verdict = DeadlineJudge.Judge(Snapshots.From(rollout), Limited(), PauseStart, Grace);

        verdict.Kind.ShouldBe(VerdictKind.Waiting);
        verdict.DueAt.ShouldBe(DateTimeOffset.MaxValue);
    }

    /// <summary>
    /// The verdict's reason, word for word, once for each kind of answer: the loop logs it when it acts or leaves a Rollout
    /// alone for bad input, so it is read by people. Every other test here asserts on the verdict's fields.
    /// </summary>
    public static TheoryData<string, Func<RolloutSnapshot>, DeadlinePolicy, DateTimeOffset, string> Reasons => new()
    {
        { "exceeded", () => Snapshots.From(StuckRevision4()), DeadlinePolicy.BuiltIn, Rev4Started.AddSeconds(200), "no progress since 2026-11-27T10:15:02Z: 60s deadline and 30s grace passed at 2026-11-27T10:16:32Z" },
        { "waiting", () => Snapshots.From(StuckRevision4()), DeadlinePolicy.BuiltIn, Rev4Started.AddSeconds(40), "progressing within its 60s deadline" },
        { "an entry from the future", () => Snapshots.From(ForgeStart(StuckRevision4(), Rev4Started.AddHours(1))), DeadlinePolicy.BuiltIn, Rev4Started.AddSeconds(200), "no progress since 2026-11-27T10:15:02Z: 60s deadline and 30s grace passed at 2026-11-27T10:16:32Z; history entry 4 says the revision started at 2026-11-27T11:15:00Z, later than now: not trusted, timed from the Progressing condition" },
        { "an entry from before the creation, no progress", () => Snapshots.From(WithoutProgress(ForgeStart(StuckRevision4(), Rev4Started.AddDays(-1)))), DeadlinePolicy.BuiltIn, Rev4Started.AddSeconds(200), "no progress clock: no Progressing time; history entry 4 says the revision started at 2026-11-26T10:15:00Z, before the Rollout was created (2026-11-27T10:00:00Z): not trusted, timed from the Progressing condition" },
        { "a duplicated key", () => Snapshots.From(JsonSerializer.Serialize(StuckRevision4()).Replace("\"spec\":{", "\"spec\":{\"progressDeadlineSeconds\":3600,", StringComparison.Ordinal)), DeadlinePolicy.BuiltIn, Rev4Started.AddSeconds(200), "left alone: the object cannot be read safely (the key \"spec.progressDeadlineSeconds\" appears twice)" },
        { "already aborted", () => Snapshots.From(Set(StuckRevision4(), r => Status(r)["abort"] = true)), DeadlinePolicy.BuiltIn, Rev4Started.AddHours(1), "already aborted" },
        { "a phase", () => Snapshots.From(Set(StuckRevision4(), r => Status(r)["phase"] = "Healthy")), DeadlinePolicy.BuiltIn, Rev4Started.AddHours(1), "phase is Healthy" },
        { "an indefinite step", () => Snapshots.From(Canary(StuckRevision4(), "analysis", 1)), DeadlinePolicy.BuiltIn, Rev4Started.AddHours(1), "at canary step 1 (analysis), which Argo does not time out" },
        { "an older generation", () => Snapshots.From(Set(StuckRevision4(), r => r["metadata"]!["generation"] = 5)), DeadlinePolicy.BuiltIn, Rev4Started.AddHours(1), "the controller has not observed this generation yet" },
        { "another exemption annotation", () => Snapshots.From(StuckRevision4()), DeadlinePolicy.BuiltIn with { Exemptions = DeadlinePolicy.BuiltIn.Exemptions with { Annotation = "example.com/exempt" } }, Rev4Started.AddSeconds(200), "the policy's exemption annotation is now example.com/exempt; waiting for the relist that reads it" },
        { "a pause past the limit", () => Snapshots.From(AwaitingPromotion()), Limited(), PauseDue, "paused (BlueGreenPause) since 2026-11-27T10:15:30Z: its 3600s pause limit and 30s grace passed at 2026-11-27T11:16:00Z" },
        { "a pause within the limit", () => Snapshots.From(AwaitingPromotion()), Limited(), PauseStart, "paused (BlueGreenPause) since 2026-11-27T10:15:30Z; its 3600s pause limit and 30s grace fall due at 2026-11-27T11:16:00Z" },
        { "a pause Argo ends", () => Snapshots.From(AutoPromotion(AwaitingPromotion(), null, 300)), Limited(), PauseDue, "paused (BlueGreenPause), not an indefinite pause: Argo promotes it after autoPromotionSeconds (300)" },
        { "a person's pause", () => Snapshots.From(Set(AwaitingPromotion(), r => r["spec"]!["paused"] = true)), Limited(), PauseDue, "paused by spec.paused: a person's pause is never limited" },
        { "no pause limit", () => Snapshots.From(AwaitingPromotion()), DeadlinePolicy.BuiltIn, PauseDue, "paused; no pause limit in force (pauses.maxSeconds is 0)" },
        { "a pause step that cannot be found", () => Snapshots.From(Set(CanaryPaused(), r => Status(r)["currentStepIndex"] = 7)), Limited(), PauseDue, "paused (CanaryPauseStep), left alone: status.currentStepIndex 7 names no step (spec.strategy.canary.steps has 3)" },
        { "a pause start that is not a time", () => Snapshots.From(Set(AwaitingPromotion(), r => FirstPause(r)["startTime"] = "2026-13-45T99:00:00Z")), Limited(), PauseDue, "paused (BlueGreenPause), left alone: the startTime of status.pauseConditions[0] is not a time" },
        { "a pause field of the wrong type", () => Snapshots.From(Set(AwaitingPromotion(), r => BlueGreen(r)["autoPromotionEnabled"] = "false")), Limited(), PauseDue, "paused (BlueGreenPause), left alone: spec.strategy.blueGreen.autoPromotionEnabled is not true or false" },
    };

    [Theory]
    [MemberData(nameof(Reasons))]
    public void The_verdict_gives_its_reason_in_words(string because, Func<RolloutSnapshot> rollout, DeadlinePolicy policy, DateTimeOffset now, string reason) =>
        DeadlineJudge.Judge(rollout(), policy, now, Grace).Reason.ShouldBe(reason, because);

    private static RevisionEntry CurrentEntry(JsonObject rollout) =>
        History(rollout).Last(e => e.Fingerprint == RevisionDetector.Fingerprint(rollout));

    private static IReadOnlyList<RevisionEntry> History(JsonObject rollout) =>
        RevisionHistoryAnnotation.TryParse(rollout["metadata"]!["annotations"]![RevisionHistoryAnnotation.Key]!.GetValue<string>(), out var entries, out var error)
            ? entries
            : throw new InvalidOperationException(error);

    private static JsonObject SetHistory(JsonObject rollout, IEnumerable<RevisionEntry> entries)
    {
        rollout["metadata"]!["annotations"]![RevisionHistoryAnnotation.Key] = RevisionHistoryAnnotation.Serialize([.. entries]);
        return rollout;
    }

    /// <summary>The same Rollout as if every revision had been admitted with this deadline and abort.</summary>
    private static JsonObject Recorded(JsonObject rollout, int deadlineSeconds, bool abort) =>
        SetHistory(rollout, History(rollout).Select(e => e with { DeadlineSeconds = deadlineSeconds, Abort = abort }));

    /// <summary>The spec now says this (null removes the field).</summary>
    private static JsonObject WithSpec(JsonObject rollout, int? deadlineSeconds, bool? abort)
    {
        var spec = rollout["spec"]!.AsObject();
        spec.Remove("progressDeadlineSeconds");
        spec.Remove("progressDeadlineAbort");
        if (deadlineSeconds is { } seconds)
        {
            spec["progressDeadlineSeconds"] = seconds;
        }

        if (abort is { } value)
        {
            spec["progressDeadlineAbort"] = value;
        }

        return rollout;
    }

    private static JsonObject WithoutHistory(JsonObject rollout)
    {
        rollout["metadata"]!["annotations"]!.AsObject().Remove(RevisionHistoryAnnotation.Key);
        return rollout;
    }

    /// <summary>The image changed by a write that bypassed the webhook: no entry has the new fingerprint.</summary>
    private static JsonObject TemplateChangedBehindTheWebhook(JsonObject rollout)
    {
        rollout["spec"]!["template"]!["spec"]!["containers"]![0]!["image"] = "argoproj/rollouts-demo:orange";
        return rollout;
    }

    /// <summary>The current revision's entry rewritten to say it started at <paramref name="at"/>.</summary>
    private static JsonObject ForgeStart(JsonObject rollout, DateTimeOffset at)
    {
        var current = CurrentEntry(rollout);
        return SetHistory(rollout, History(rollout).Select(e => e.Seq == current.Seq ? e with { At = at } : e));
    }

    private static JsonObject ForgeCreation(JsonObject rollout, DateTimeOffset created)
    {
        rollout["metadata"]!["creationTimestamp"] = RolloutObjects.Time(created);
        return ForgeStart(rollout, Rev4Started);
    }

    /// <summary>The controller has recorded no progress for this revision (its Progressing reason is not a progress reason).</summary>
    private static JsonObject WithoutProgress(JsonObject rollout)
    {
        Progressing(rollout)["reason"] = "RolloutAborted";
        Progressing(rollout)["status"] = "Unknown";
        return rollout;
    }
}

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

    public static TheoryData<string, Func<JsonObject>, TimeSpan, VerdictKind, string> Cases => new()
    {
        { "the stuck BlueGreen revision 4 is past 60 s + grace", StuckRevision4, TimeSpan.FromSeconds(200), VerdictKind.Exceeded, "no progress since 2026-11-27T10:15:02Z" },
        { "revision 4 within its deadline", StuckRevision4, TimeSpan.FromSeconds(40), VerdictKind.Waiting, "within its 60s deadline" },
        { "revision 4 past the deadline but within grace: Argo gets the first chance", StuckRevision4, TimeSpan.FromSeconds(80), VerdictKind.Waiting, "within" },
        { "revision 2, already aborted by Argo", () => { var r = StuckRevision4(); Status(r)["abort"] = true; Status(r)["phase"] = "Degraded"; return r; }, TimeSpan.FromHours(1), VerdictKind.Idle, "already aborted" },
        { "healthy", () => { var r = StuckRevision4(); Status(r)["phase"] = "Healthy"; Progressing(r)["reason"] = "NewReplicaSetAvailable"; return r; }, TimeSpan.FromHours(1), VerdictKind.Idle, "phase is Healthy" },
        { "Degraded by Argo's own deadline", () => { var r = StuckRevision4(); Status(r)["phase"] = "Degraded"; Progressing(r)["status"] = "False"; Progressing(r)["reason"] = "ProgressDeadlineExceeded"; return r; }, TimeSpan.FromHours(1), VerdictKind.Idle, "phase is Degraded" },
        { "spec.paused", () => { var r = StuckRevision4(); r["spec"]!["paused"] = true; return r; }, TimeSpan.FromHours(1), VerdictKind.Idle, "paused" },
        { "BlueGreen awaiting promotion", () => { var r = StuckRevision4(); Status(r)["pauseConditions"] = JsonNode.Parse("""[{"reason":"BlueGreenPause","startTime":"2026-11-27T10:15:30Z"}]"""); Status(r)["phase"] = "Paused"; return r; }, TimeSpan.FromHours(1), VerdictKind.Idle, "paused" },
        { "Paused condition true", () => { var r = StuckRevision4(); Status(r)["conditions"]!.AsArray().Add(JsonNode.Parse("""{"type":"Paused","status":"True","reason":"RolloutPaused"}""")); return r; }, TimeSpan.FromHours(1), VerdictKind.Idle, "paused" },
        { "canary at a pause step", () => Canary(StuckRevision4(), "pause", 1), TimeSpan.FromHours(1), VerdictKind.Idle, "canary step 1 (pause)" },
        { "canary at an analysis step", () => Canary(StuckRevision4(), "analysis", 1), TimeSpan.FromHours(1), VerdictKind.Idle, "canary step 1 (analysis)" },
        { "canary at an experiment step", () => Canary(StuckRevision4(), "experiment", 1), TimeSpan.FromHours(1), VerdictKind.Idle, "canary step 1 (experiment)" },
        { "canary at a setWeight step is timed", () => Canary(StuckRevision4(), "pause", 0), TimeSpan.FromHours(1), VerdictKind.Exceeded, "no progress since" },
        { "progress 5 s ago", () => { var r = StuckRevision4(); Progressing(r)["lastUpdateTime"] = "2026-11-27T11:14:55Z"; return r; }, TimeSpan.FromHours(1), VerdictKind.Waiting, "within" },
        { "a user's retry restarts the clock", () => { var r = StuckRevision4(); Progressing(r)["status"] = "Unknown"; Progressing(r)["reason"] = "RolloutRetry"; Progressing(r)["lastUpdateTime"] = "2026-11-27T11:14:30Z"; return r; }, TimeSpan.FromHours(1), VerdictKind.Waiting, "within" },
        { "exempt by annotation in a sandbox namespace", () => { var r = StuckRevision4(); r["metadata"]!["namespace"] = "sandbox-1"; r["metadata"]!["annotations"]!["deadline-guard.io/exempt"] = "load test"; return r; }, TimeSpan.FromHours(1), VerdictKind.Idle, "exempt by annotation" },
        { "an exemption annotation outside allowedIn does not count", () => { var r = StuckRevision4(); r["metadata"]!["annotations"]!["deadline-guard.io/exempt"] = "please"; return r; }, TimeSpan.FromHours(1), VerdictKind.Exceeded, "no progress" },
        { "exempt namespace", () => { var r = StuckRevision4(); r["metadata"]!["namespace"] = "kube-system"; return r; }, TimeSpan.FromHours(1), VerdictKind.Idle, "namespace is exempt" },
        { "status of an older generation", () => { var r = StuckRevision4(); r["metadata"]!["generation"] = 5; return r; }, TimeSpan.FromHours(1), VerdictKind.Idle, "not observed this generation" },
        { "no Progressing condition yet", () => { var r = StuckRevision4(); Status(r)["conditions"] = new JsonArray(); return r; }, TimeSpan.FromHours(1), VerdictKind.Idle, "no Progressing condition" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_judge_acts_only_on_a_revision_stuck_past_its_deadline(string because, Func<JsonObject> rollout, TimeSpan after, VerdictKind expected, string reason)
    {
        var verdict = DeadlineJudge.Judge(Snapshots.From(rollout()), DeadlinePolicy.BuiltIn, Rev4Started + after, Grace);

        verdict.Kind.ShouldBe(expected, because + ": " + verdict.Reason);
        verdict.Reason.ShouldContain(reason, Case.Sensitive, because);
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

        DeadlineActions.Note(rollout, lowered, ActionTaken.Aborted).ShouldContain("past its 60s progress deadline (changed from the 600s in force when the revision started)");
        DeadlineActions.Note(rollout, same, ActionTaken.Aborted).ShouldContain("past its 60s progress deadline (due with grace at");
    }

    /// <summary>DESIGN.md §5: an entry's at later than now, or earlier than the Rollout's creationTimestamp, is not trusted.</summary>
    public static TheoryData<string, Func<JsonObject>, TimeSpan, VerdictKind, string, DateTimeOffset?> Forged => new()
    {
        // Trusted, the forged start would put the deadline an hour off; ignored, the Progressing time decides.
        { "an entry that says the revision starts an hour from now", () => ForgeStart(StuckRevision4(), Rev4Started.AddHours(1)), TimeSpan.FromSeconds(200), VerdictKind.Exceeded, "later than now: not trusted", Rev4Started.AddSeconds(2) },
        { "an entry dated before the Rollout was created", () => ForgeStart(StuckRevision4(), Rev4Started.AddDays(-1)), TimeSpan.FromSeconds(200), VerdictKind.Exceeded, "before the Rollout was created (2026-11-27T10:00:00Z): not trusted", Rev4Started.AddSeconds(2) },
        // Trusted, a start forged into the past would abort at once; ignored, and with no Progressing time, nothing is timed.
        { "an entry dated before the creation, with no progress recorded", () => WithoutProgress(ForgeStart(StuckRevision4(), Rev4Started.AddDays(-1))), TimeSpan.FromSeconds(200), VerdictKind.Idle, "no progress clock: no Progressing time; history entry 4", null },
        { "an entry a few seconds before creationTimestamp (admission runs before the API server stamps it) is trusted", () => WithoutProgress(ForgeCreation(StuckRevision4(), Rev4Started.AddSeconds(20))), TimeSpan.FromSeconds(200), VerdictKind.Exceeded, "no progress since 2026-11-27T10:15:00Z", Rev4Started },
    };

    [Theory]
    [MemberData(nameof(Forged))]
    public void A_history_entry_with_an_impossible_start_is_not_trusted_and_the_verdict_says_so(string because, Func<JsonObject> rollout, TimeSpan after, VerdictKind expected, string reason, DateTimeOffset? since)
    {
        var verdict = DeadlineJudge.Judge(Snapshots.From(rollout()), DeadlinePolicy.BuiltIn, Rev4Started + after, Grace);

        verdict.Kind.ShouldBe(expected, because + ": " + verdict.Reason);
        verdict.Reason.ShouldContain(reason, Case.Sensitive, because);
        verdict.ProgressSince.ShouldBe(since, because);
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

        var verdict = DeadlineJudge.Judge(Snapshots.From(StuckRevision4()), policy, Rev4Started.AddSeconds(200), Grace);

        verdict.Kind.ShouldBe(VerdictKind.Idle);
        verdict.Reason.ShouldContain("waiting for the relist");
    }

    [Fact]
    public void A_snapshot_with_a_duplicated_key_is_left_alone_with_the_reason()
    {
        var json = JsonSerializer.Serialize(StuckRevision4()).Replace("\"spec\":{", "\"spec\":{\"progressDeadlineSeconds\":3600,", StringComparison.Ordinal);

        var verdict = DeadlineJudge.Judge(Snapshots.From(json), DeadlinePolicy.BuiltIn, Rev4Started.AddSeconds(200), Grace);

        verdict.Kind.ShouldBe(VerdictKind.Idle);
        verdict.Reason.ShouldContain("\"spec.progressDeadlineSeconds\" appears twice");
    }

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

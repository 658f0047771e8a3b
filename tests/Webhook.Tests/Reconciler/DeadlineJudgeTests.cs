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
        var verdict = DeadlineJudge.Judge(RolloutSnapshot.From(rollout()), DeadlinePolicy.BuiltIn, Rev4Started + after, Grace);

        verdict.Kind.ShouldBe(expected, because + ": " + verdict.Reason);
        verdict.Reason.ShouldContain(reason, Case.Sensitive, because);
    }

    [Fact]
    public void The_stuck_revision_is_judged_with_its_recorded_deadline_and_abort()
    {
        var verdict = DeadlineJudge.Judge(RolloutSnapshot.From(StuckRevision4()), DeadlinePolicy.BuiltIn, Rev4Started.AddSeconds(200), Grace);

        verdict.ShouldSatisfyAllConditions(
            v => v.DeadlineSeconds.ShouldBe(60),
            v => v.Abort.ShouldBeTrue(),
            v => v.Revision.ShouldBe(4),
            v => v.ProgressSince.ShouldBe(Rev4Started.AddSeconds(2)),
            v => v.DueAt.ShouldBe(Rev4Started.AddSeconds(2 + 60 + Grace)));
    }

    [Fact]
    public void The_recorded_deadline_holds_even_when_the_spec_changed_later()
    {
        var rollout = StuckRevision4();
        rollout["spec"]!["progressDeadlineSeconds"] = 3600; // the recorded 60 s applies to this revision
        rollout["spec"]!["progressDeadlineAbort"] = false;

        var verdict = DeadlineJudge.Judge(RolloutSnapshot.From(rollout), DeadlinePolicy.BuiltIn, Rev4Started.AddSeconds(200), Grace);

        verdict.Kind.ShouldBe(VerdictKind.Exceeded);
        verdict.Abort.ShouldBeTrue();
    }

    [Fact]
    public void A_revision_recorded_with_abort_false_is_exceeded_without_abort()
    {
        var rollout = StuckRevision4();
        var history = RolloutSnapshot.From(rollout).History().Select(e => e with { Abort = false }).ToList();
        rollout["metadata"]!["annotations"]![RevisionHistoryAnnotation.Key] = RevisionHistoryAnnotation.Serialize(history);

        var verdict = DeadlineJudge.Judge(RolloutSnapshot.From(rollout), DeadlinePolicy.BuiltIn, Rev4Started.AddSeconds(200), Grace);

        verdict.Kind.ShouldBe(VerdictKind.Exceeded);
        verdict.Abort.ShouldBeFalse();
    }

    [Fact]
    public void Without_history_the_spec_values_and_the_progressing_time_decide()
    {
        var rollout = StuckRevision4();
        rollout["metadata"]!["annotations"]!.AsObject().Remove(RevisionHistoryAnnotation.Key);
        rollout["spec"]!["progressDeadlineSeconds"] = 120;

        var waiting = DeadlineJudge.Judge(RolloutSnapshot.From(rollout), DeadlinePolicy.BuiltIn, Rev4Started.AddSeconds(140), Grace);
        var exceeded = DeadlineJudge.Judge(RolloutSnapshot.From(rollout), DeadlinePolicy.BuiltIn, Rev4Started.AddSeconds(160), Grace);

        waiting.Kind.ShouldBe(VerdictKind.Waiting);
        exceeded.Kind.ShouldBe(VerdictKind.Exceeded);
        exceeded.DeadlineSeconds.ShouldBe(120);
    }

    [Fact]
    public void Without_history_or_deadline_Argos_default_of_600_seconds_applies()
    {
        var rollout = StuckRevision4();
        rollout["metadata"]!["annotations"]!.AsObject().Remove(RevisionHistoryAnnotation.Key);
        rollout["spec"]!.AsObject().Remove("progressDeadlineSeconds");

        var verdict = DeadlineJudge.Judge(RolloutSnapshot.From(rollout), DeadlinePolicy.BuiltIn, Rev4Started.AddSeconds(200), Grace);

        verdict.Kind.ShouldBe(VerdictKind.Waiting);
        verdict.DeadlineSeconds.ShouldBe(600);
        verdict.Abort.ShouldBeTrue();
    }

    [Fact]
    public void The_history_entry_time_counts_when_the_controller_has_not_moved_the_condition_since()
    {
        var rollout = StuckRevision4();
        Progressing(rollout)["lastUpdateTime"] = "2026-11-27T09:00:00Z"; // older than the revision's start

        var verdict = DeadlineJudge.Judge(RolloutSnapshot.From(rollout), DeadlinePolicy.BuiltIn, Rev4Started.AddSeconds(100), Grace);

        verdict.ProgressSince.ShouldBe(Rev4Started);
        verdict.Kind.ShouldBe(VerdictKind.Exceeded);
    }

    [Fact]
    public void Each_retry_gets_its_own_revision_key_so_the_reconciler_can_act_again()
    {
        var first = DeadlineJudge.Judge(RolloutSnapshot.From(StuckRevision4()), DeadlinePolicy.BuiltIn, Rev4Started.AddSeconds(200), Grace);
        var retried = StuckRevision4();
        Progressing(retried)["reason"] = "RolloutRetry";
        Progressing(retried)["lastUpdateTime"] = "2026-11-27T10:20:00Z";
        var second = DeadlineJudge.Judge(RolloutSnapshot.From(retried), DeadlinePolicy.BuiltIn, Rev4Started.AddSeconds(600), Grace);

        second.Kind.ShouldBe(VerdictKind.Exceeded);
        second.RevisionKey.ShouldNotBe(first.RevisionKey);
    }
}

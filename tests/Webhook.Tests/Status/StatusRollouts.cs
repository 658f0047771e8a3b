using System.Text.Json.Nodes;
using DeadlineGuard.Reconciler;
using DeadlineGuard.Tests.Reconciler;

namespace DeadlineGuard.Tests.RolloutStatus;

/// <summary>
/// A cluster of realistic Rollouts (admitted through the webhook's own decisions, <see cref="RolloutObjects"/>) that
/// covers every case of the judge (DeadlineJudgeTests), all judged at one moment, <see cref="Now"/>: each row says what
/// the reconciler's judge must answer and a part of its reason.
/// </summary>
public static class StatusRollouts
{
    public static readonly DateTimeOffset Now = RolloutObjects.Rev4Started.AddHours(1);

    /// <summary>A case: where the Rollout lives, how it is made, the verdict and a part of its reason.</summary>
    public sealed record Row(string Namespace, string Name, Func<JsonObject> Make, VerdictKind Verdict, string Reason)
    {
        public override string ToString() => $"{Namespace}/{Name}";
    }

    /// <summary>Revision 4 stuck as in #3988, its last progress <paramref name="ago"/> before <see cref="Now"/> (2 s after it started).</summary>
    private static JsonObject Stuck(string ns, string name, TimeSpan ago) => RolloutObjects.StuckRevision4(ns, name, Now - ago - TimeSpan.FromSeconds(2));

    private static JsonObject Status(JsonObject r) => r["status"]!.AsObject();

    private static JsonObject Progressing(JsonObject r) => RolloutObjects.ProgressingCondition(r);

    private static JsonObject With(JsonObject r, Action<JsonObject> change)
    {
        change(r);
        return r;
    }

    private static JsonObject Canary(JsonObject r, string stepKind, int index) => With(r, r =>
    {
        r["spec"]!["strategy"] = new JsonObject
        {
            ["canary"] = new JsonObject
            {
                ["steps"] = new JsonArray(new JsonObject { ["setWeight"] = 20 }, new JsonObject { [stepKind] = new JsonObject() }, new JsonObject { ["setWeight"] = 100 }),
            },
        };
        Status(r)["currentStepIndex"] = index;
    });

    public static IReadOnlyList<Row> All { get; } =
    [
        new("shop", "checkout", () => Stuck("shop", "checkout", TimeSpan.FromSeconds(200)), VerdictKind.Exceeded, "no progress since"),
        new("shop", "fresh", () => Stuck("shop", "fresh", TimeSpan.FromSeconds(40)), VerdictKind.Waiting, "within its 60s deadline"),
        new("shop", "in-grace", () => Stuck("shop", "in-grace", TimeSpan.FromSeconds(80)), VerdictKind.Waiting, "within its 60s deadline"),
        new("shop", "no-abort", () => RolloutObjects.StuckRevision4WithoutAbort("shop", "no-abort", Now.AddMinutes(-10)), VerdictKind.Exceeded, "no progress since"),
        new("shop", "argo-default", () => With(Stuck("shop", "argo-default", TimeSpan.FromSeconds(200)), r => r["spec"]!.AsObject().Remove("progressDeadlineSeconds")), VerdictKind.Waiting, "within its 600s deadline"),
        new("shop", "aborted", () => With(Stuck("shop", "aborted", TimeSpan.FromMinutes(30)), r => { Status(r)["abort"] = true; Status(r)["phase"] = "Degraded"; }), VerdictKind.Idle, "already aborted"),
        new("shop", "cart", () => RolloutObjects.Healthy("shop", "cart", Now.AddHours(-2)), VerdictKind.Idle, "phase is Healthy"),
        new("shop", "degraded", () => With(Stuck("shop", "degraded", TimeSpan.FromMinutes(30)), r => { Status(r)["phase"] = "Degraded"; Progressing(r)["status"] = "False"; Progressing(r)["reason"] = "ProgressDeadlineExceeded"; }), VerdictKind.Idle, "phase is Degraded"),
        new("shop", "payments", () => RolloutObjects.PausedByUser("shop", "payments", Now.AddMinutes(-10)), VerdictKind.Idle, "paused"),
        new("shop", "search", () => RolloutObjects.AwaitingPromotion("shop", "search", Now.AddMinutes(-10)), VerdictKind.Idle, "paused"),
        new("shop", "paused-condition", () => With(Stuck("shop", "paused-condition", TimeSpan.FromMinutes(30)), r => Status(r)["conditions"]!.AsArray().Add(JsonNode.Parse("""{"type":"Paused","status":"True","reason":"RolloutPaused","lastUpdateTime":"2026-11-27T10:50:00Z"}"""))), VerdictKind.Idle, "paused"),
        new("shop", "reviews", () => RolloutObjects.CanaryAtPauseStep("shop", "reviews", Now.AddMinutes(-10)), VerdictKind.Idle, "paused"),
        new("shop", "ratings", () => RolloutObjects.CanaryAtAnalysisStep("shop", "ratings", Now.AddMinutes(-10)), VerdictKind.Idle, "canary step 1 (analysis)"),
        new("shop", "canary-pause", () => Canary(Stuck("shop", "canary-pause", TimeSpan.FromMinutes(30)), "pause", 1), VerdictKind.Idle, "canary step 1 (pause)"),
        new("shop", "experiment", () => Canary(Stuck("shop", "experiment", TimeSpan.FromMinutes(30)), "experiment", 1), VerdictKind.Idle, "canary step 1 (experiment)"),
        new("shop", "set-weight", () => Canary(Stuck("shop", "set-weight", TimeSpan.FromMinutes(30)), "pause", 0), VerdictKind.Exceeded, "no progress since"),
        new("shop", "progress", () => With(Stuck("shop", "progress", TimeSpan.FromMinutes(30)), r => Progressing(r)["lastUpdateTime"] = RolloutObjects.Time(Now.AddSeconds(-5))), VerdictKind.Waiting, "within its 60s deadline"),
        new("shop", "retried", () => With(Stuck("shop", "retried", TimeSpan.FromMinutes(30)), r => { Progressing(r)["status"] = "Unknown"; Progressing(r)["reason"] = "RolloutRetry"; Progressing(r)["lastUpdateTime"] = RolloutObjects.Time(Now.AddSeconds(-30)); }), VerdictKind.Waiting, "within"),
        new("shop", "please", () => With(Stuck("shop", "please", TimeSpan.FromMinutes(30)), r => r["metadata"]!["annotations"]![RolloutObjects.ExemptAnnotation] = "please"), VerdictKind.Exceeded, "no progress since"),
        new("shop", "old-generation", () => With(Stuck("shop", "old-generation", TimeSpan.FromMinutes(30)), r => r["metadata"]!["generation"] = 5), VerdictKind.Idle, "not observed this generation"),
        new("shop", "no-condition", () => With(Stuck("shop", "no-condition", TimeSpan.FromMinutes(30)), r => Status(r)["conditions"] = new JsonArray()), VerdictKind.Idle, "no Progressing condition"),
        new("shop", "forged", () => With(Stuck("shop", "forged", TimeSpan.FromMinutes(30)), r =>
        {
            var history = JsonNode.Parse(r["metadata"]!["annotations"]!["deadline-guard.io/revision-history"]!.GetValue<string>())!.AsArray();
            history[^1]!["at"] = RolloutObjects.Time(Now.AddDays(1));
            r["metadata"]!["annotations"]!["deadline-guard.io/revision-history"] = history.ToJsonString();
        }), VerdictKind.Exceeded, "later than now: not trusted"),
        new("sandbox-load", "checkout", () => RolloutObjects.Exempt("sandbox-load", "checkout", Now.AddMinutes(-30)), VerdictKind.Idle, "exempt by annotation"),
        new("kube-system", "checkout", () => With(Stuck("shop", "checkout", TimeSpan.FromMinutes(30)), r => r["metadata"]!["namespace"] = "kube-system"), VerdictKind.Idle, "namespace is exempt"),
    ];

    public static TheoryData<string> Names => new(All.Select(c => c.ToString()));

    public static Row Named(string key) => All.Single(c => c.ToString() == key);
}

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

    /// <summary>
    /// The policy the judge-case tests give <c>status</c> (<c>--policy</c>): the built-in one, with a 600 s pause limit
    /// (abort) in namespace <c>gated</c> only, so the pause-limit cases are judged there and the others as built in.
    /// </summary>
    public const string GatedPolicy = """
        apiVersion: deadline-guard.io/v1
        kind: DeadlinePolicy
        spec:
          overrides:
            - namespaces: ["gated"]
              pauses: { maxSeconds: 600, abort: true }
        """;

    /// <summary>
    /// A case: where the Rollout lives, how it is made, the verdict and a part of its reason, the limit it times
    /// (<c>deadline</c>, <c>pause</c>, null when idle) and its pause-limit state (null when not paused).
    /// </summary>
    public sealed record Row(string Namespace, string Name, Func<JsonObject> Make, VerdictKind Verdict, string Reason, string? Limit, string? PauseLimit)
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
        new("shop", "checkout", () => Stuck("shop", "checkout", TimeSpan.FromSeconds(200)), VerdictKind.Exceeded, "no progress since", "deadline", null),
        new("shop", "fresh", () => Stuck("shop", "fresh", TimeSpan.FromSeconds(40)), VerdictKind.Waiting, "within its 60s deadline", "deadline", null),
        new("shop", "in-grace", () => Stuck("shop", "in-grace", TimeSpan.FromSeconds(80)), VerdictKind.Waiting, "within its 60s deadline", "deadline", null),
        new("shop", "no-abort", () => RolloutObjects.StuckRevision4WithoutAbort("shop", "no-abort", Now.AddMinutes(-10)), VerdictKind.Exceeded, "no progress since", "deadline", null),
        new("shop", "argo-default", () => With(Stuck("shop", "argo-default", TimeSpan.FromSeconds(200)), r => r["spec"]!.AsObject().Remove("progressDeadlineSeconds")), VerdictKind.Waiting, "within its 600s deadline", "deadline", null),
        new("shop", "aborted", () => With(Stuck("shop", "aborted", TimeSpan.FromMinutes(30)), r => { Status(r)["abort"] = true; Status(r)["phase"] = "Degraded"; }), VerdictKind.Idle, "already aborted", null, null),
        new("shop", "cart", () => RolloutObjects.Healthy("shop", "cart", Now.AddHours(-2)), VerdictKind.Idle, "phase is Healthy", null, null),
        new("shop", "degraded", () => With(Stuck("shop", "degraded", TimeSpan.FromMinutes(30)), r => { Status(r)["phase"] = "Degraded"; Progressing(r)["status"] = "False"; Progressing(r)["reason"] = "ProgressDeadlineExceeded"; }), VerdictKind.Idle, "phase is Degraded", null, null),
        new("shop", "payments", () => RolloutObjects.PausedByUser("shop", "payments", Now.AddMinutes(-10)), VerdictKind.Idle, "paused", null, "off"),
        new("shop", "search", () => RolloutObjects.AwaitingPromotion("shop", "search", Now.AddMinutes(-10)), VerdictKind.Idle, "paused", null, "off"),
        new("shop", "paused-condition", () => With(Stuck("shop", "paused-condition", TimeSpan.FromMinutes(30)), r => Status(r)["conditions"]!.AsArray().Add(JsonNode.Parse("""{"type":"Paused","status":"True","reason":"RolloutPaused","lastUpdateTime":"2026-11-27T10:50:00Z"}"""))), VerdictKind.Idle, "paused", null, "off"),
        new("shop", "reviews", () => RolloutObjects.CanaryAtPauseStep("shop", "reviews", Now.AddMinutes(-10)), VerdictKind.Idle, "paused", null, "off"),
        new("shop", "ratings", () => RolloutObjects.CanaryAtAnalysisStep("shop", "ratings", Now.AddMinutes(-10)), VerdictKind.Idle, "canary step 1 (analysis)", null, null),
        new("shop", "canary-pause", () => Canary(Stuck("shop", "canary-pause", TimeSpan.FromMinutes(30)), "pause", 1), VerdictKind.Idle, "canary step 1 (pause)", null, null),
        new("shop", "experiment", () => Canary(Stuck("shop", "experiment", TimeSpan.FromMinutes(30)), "experiment", 1), VerdictKind.Idle, "canary step 1 (experiment)", null, null),
        new("shop", "set-weight", () => Canary(Stuck("shop", "set-weight", TimeSpan.FromMinutes(30)), "pause", 0), VerdictKind.Exceeded, "no progress since", "deadline", null),
        new("shop", "progress", () => With(Stuck("shop", "progress", TimeSpan.FromMinutes(30)), r => Progressing(r)["lastUpdateTime"] = RolloutObjects.Time(Now.AddSeconds(-5))), VerdictKind.Waiting, "within its 60s deadline", "deadline", null),
        new("shop", "retried", () => With(Stuck("shop", "retried", TimeSpan.FromMinutes(30)), r => { Progressing(r)["status"] = "Unknown"; Progressing(r)["reason"] = "RolloutRetry"; Progressing(r)["lastUpdateTime"] = RolloutObjects.Time(Now.AddSeconds(-30)); }), VerdictKind.Waiting, "within", "deadline", null),
        new("shop", "please", () => With(Stuck("shop", "please", TimeSpan.FromMinutes(30)), r => r["metadata"]!["annotations"]![RolloutObjects.ExemptAnnotation] = "please"), VerdictKind.Exceeded, "no progress since", "deadline", null),
        new("shop", "old-generation", () => With(Stuck("shop", "old-generation", TimeSpan.FromMinutes(30)), r => r["metadata"]!["generation"] = 5), VerdictKind.Idle, "not observed this generation", null, null),
        new("shop", "no-condition", () => With(Stuck("shop", "no-condition", TimeSpan.FromMinutes(30)), r => Status(r)["conditions"] = new JsonArray()), VerdictKind.Idle, "no Progressing condition", null, null),
        new("shop", "forged", () => With(Stuck("shop", "forged", TimeSpan.FromMinutes(30)), r =>
        {
            var history = JsonNode.Parse(r["metadata"]!["annotations"]!["deadline-guard.io/revision-history"]!.GetValue<string>())!.AsArray();
            history[^1]!["at"] = RolloutObjects.Time(Now.AddDays(1));
            r["metadata"]!["annotations"]!["deadline-guard.io/revision-history"] = history.ToJsonString();
        }), VerdictKind.Exceeded, "later than now: not trusted", "deadline", null),
        new("sandbox-load", "checkout", () => RolloutObjects.Exempt("sandbox-load", "checkout", Now.AddMinutes(-30)), VerdictKind.Idle, "exempt by annotation", null, null),
        new("kube-system", "checkout", () => With(Stuck("shop", "checkout", TimeSpan.FromMinutes(30)), r => r["metadata"]!["namespace"] = "kube-system"), VerdictKind.Idle, "namespace is exempt", null, null),

        // The pause limit (600 s in gated, GatedPolicy): an indefinite pause is timed from its startTime; others are not.
        new("gated", "promotion-due", () => RolloutObjects.AwaitingPromotion("gated", "promotion-due", Now.AddMinutes(-15)), VerdictKind.Exceeded, "(BlueGreenPause) since 2026-11-27T11:00:30Z: its 600s pause limit and 30s grace passed at 2026-11-27T11:11:00Z", "pause", "exceeded"),
        new("gated", "promotion-fresh", () => RolloutObjects.AwaitingPromotion("gated", "promotion-fresh", Now.AddMinutes(-5)), VerdictKind.Waiting, "its 600s pause limit and 30s grace fall due at 2026-11-27T11:21:00Z", "pause", "counting"),
        new("gated", "canary-hold", () => RolloutObjects.CanaryAtPauseStep("gated", "canary-hold", Now.AddMinutes(-15)), VerdictKind.Exceeded, "paused (CanaryPauseStep) since", "pause", "exceeded"),
        new("gated", "inconclusive", () => With(Stuck("gated", "inconclusive", TimeSpan.FromMinutes(30)), r =>
        {
            Status(r)["phase"] = "Paused";
            Status(r)["pauseConditions"] = new JsonArray(new JsonObject { ["reason"] = "InconclusiveAnalysisRun", ["startTime"] = RolloutObjects.Time(Now.AddMinutes(-20)) });
        }), VerdictKind.Exceeded, "paused (InconclusiveAnalysisRun) since", "pause", "exceeded"),
        new("gated", "timed-promotion", () => RolloutObjects.AwaitingTimedPromotion("gated", "timed-promotion", Now.AddMinutes(-15)), VerdictKind.Idle, "not an indefinite pause: Argo promotes it after autoPromotionSeconds (300)", null, "not-counted"),
        new("gated", "held", () => RolloutObjects.PausedByUser("gated", "held", Now.AddMinutes(-15)), VerdictKind.Idle, "a person's pause is never limited", null, "not-counted"),
        new("gated", "no-start", () => With(RolloutObjects.AwaitingPromotion("gated", "no-start", Now.AddMinutes(-15)), r => Status(r)["pauseConditions"]![0]!.AsObject().Remove("startTime")), VerdictKind.Idle, "has no startTime to time it from", null, "unreadable"),
        new("gated", "stuck", () => Stuck("gated", "stuck", TimeSpan.FromSeconds(200)), VerdictKind.Exceeded, "no progress since", "deadline", null),
    ];

    public static TheoryData<string> Names => new(All.Select(c => c.ToString()));

    public static Row Named(string key) => All.Single(c => c.ToString() == key);
}

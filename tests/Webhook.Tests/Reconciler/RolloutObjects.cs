using System.Globalization;
using System.Text.Json.Nodes;
using DeadlineGuard.Admission;
using DeadlineGuard.Json;
using DeadlineGuard.Policy;
using DeadlineGuard.Tests.Support;

namespace DeadlineGuard.Tests.Reconciler;

/// <summary>
/// Realistic Rollouts for the reconciler's tests. Every revision is admitted through the webhook's own decisions
/// (<see cref="ApiServer"/>), so the history annotation is exactly what the webhook writes; Argo's controller then
/// writes its revision annotation (as a plain update, through admission too) and the status it would report.
/// </summary>
public static class RolloutObjects
{
    public const string ArgoController = "system:serviceaccount:argo-rollouts:argo-rollouts";
    public const string RevisionAnnotation = "rollout.argoproj.io/revision";
    public const string ExemptAnnotation = "deadline-guard.io/exempt";

    /// <summary>When the seed timeline's revision 4 (the broken bad-purple image) started.</summary>
    public static readonly DateTimeOffset Rev4Started = new(2026, 11, 27, 10, 15, 0, TimeSpan.Zero);

    private static readonly string[] Users = ["alice@example.com", "bob@example.com", "carol@example.com"];

    /// <summary>The BlueGreen Rollout of the upstream bug (#3988) as its owner writes it; null leaves a field out.</summary>
    public static JsonObject BlueGreenManifest(string ns, string name, int? deadlineSeconds = 60, bool? abort = true, bool autoPromotion = true)
    {
        var blueGreen = new JsonObject { ["activeService"] = name + "-active", ["previewService"] = name + "-preview" };
        if (!autoPromotion)
        {
            blueGreen["autoPromotionEnabled"] = false;
        }

        return Manifest(ns, name, deadlineSeconds, abort, new JsonObject { ["blueGreen"] = blueGreen });
    }

    /// <summary>A canary Rollout: 20 %, then <paramref name="middleStep"/> (pause, analysis, experiment...), then 100 %.</summary>
    public static JsonObject CanaryManifest(string ns, string name, JsonObject middleStep, int? deadlineSeconds = 60, bool? abort = true) =>
        Manifest(ns, name, deadlineSeconds, abort, new JsonObject
        {
            ["canary"] = new JsonObject
            {
                ["steps"] = new JsonArray(new JsonObject { ["setWeight"] = 20 }, middleStep, new JsonObject { ["setWeight"] = 100 }),
            },
        });

    /// <summary>
    /// Admits one revision per image: a CREATE at <paramref name="start"/>, then an UPDATE of the image every
    /// <paramref name="every"/>, each followed by Argo's update of <c>rollout.argoproj.io/revision</c>. Returns the
    /// stored object with the uid and generation the API server would give it.
    /// </summary>
    public static JsonObject Admit(JsonObject manifest, DateTimeOffset start, TimeSpan every, IReadOnlyList<string> images, DeadlinePolicy? policy = null)
    {
        var api = new ApiServer(policy, start);
        var first = (JsonObject)manifest.DeepClone();
        SetImage(first, images[0]);
        Allowed(api.Create(first, Users[0]), "CREATE");
        Bookkeeping(api, 1);
        for (var i = 1; i < images.Count; i++)
        {
            api.Clock.Advance(every);
            var image = images[i];
            Allowed(api.Update(r => SetImage(r, image), Users[i % Users.Length]), "UPDATE to " + image);
            Bookkeeping(api, i + 1);
        }

        var stored = (JsonObject)api.Stored!.DeepClone();
        var meta = stored["metadata"]!.AsObject();
        meta["uid"] = $"uid-{meta["namespace"]}-{meta["name"]}";
        meta["generation"] = images.Count;
        meta["creationTimestamp"] = Time(start); // the API server stamps it at the CREATE
        return stored;
    }

    /// <summary>
    /// The seed timeline's Rollout at revision 4, stuck as in upstream #3988: revisions blue, bad-red, yellow and
    /// bad-purple five minutes apart (the last at <paramref name="started"/>, default <see cref="Rev4Started"/>),
    /// 60 s deadline with abort recorded for each; the controller last recorded progress 2 s after the start and
    /// still reports "Progressing / active service cutover pending".
    /// </summary>
    public static JsonObject StuckRevision4(string ns = "shop", string name = "checkout", DateTimeOffset? started = null, DeadlinePolicy? policy = null, bool abort = true)
    {
        var start = started ?? Rev4Started;
        var rollout = Admit(
            BlueGreenManifest(ns, name, 60, abort),
            start.AddMinutes(-15),
            TimeSpan.FromMinutes(5),
            ["argoproj/rollouts-demo:blue", "argoproj/rollouts-demo:bad-red", "argoproj/rollouts-demo:yellow", "argoproj/rollouts-demo:bad-purple"],
            policy);
        SetStatus(rollout, "Progressing", "active service cutover pending", stableImage: "argoproj/rollouts-demo:yellow",
            Condition("Progressing", "True", "ReplicaSetUpdated", start.AddSeconds(2), $"ReplicaSet \"{name}-{PodHash(rollout)}\" is progressing."),
            Condition("Available", "True", "AvailableReason", start.AddMinutes(-15).AddSeconds(30), "Rollout has minimum availability"));
        return rollout;
    }

    /// <summary>The same stuck revision admitted when the policy allowed progressDeadlineAbort: false, so its entry records abort false.</summary>
    public static JsonObject StuckRevision4WithoutAbort(string ns = "shop", string name = "checkout", DateTimeOffset? started = null) =>
        StuckRevision4(ns, name, started, DeadlinePolicy.BuiltIn with { RequireAbort = false }, abort: false);

    /// <summary>A BlueGreen Rollout that finished its only revision, created at <paramref name="at"/>.</summary>
    public static JsonObject Healthy(string ns, string name, DateTimeOffset at)
    {
        var rollout = Admit(BlueGreenManifest(ns, name), at, TimeSpan.Zero, ["argoproj/rollouts-demo:blue"]);
        SetStatus(rollout, "Healthy", null, stableImage: "argoproj/rollouts-demo:blue",
            Condition("Progressing", "True", "NewReplicaSetAvailable", at.AddSeconds(40), $"ReplicaSet \"{name}-{PodHash(rollout)}\" has successfully progressed."),
            Condition("Available", "True", "AvailableReason", at.AddSeconds(40), "Rollout has minimum availability"),
            Condition("Healthy", "True", "RolloutHealthy", at.AddSeconds(40), "Rollout is healthy"),
            Condition("Completed", "True", "RolloutCompleted", at.AddSeconds(40), "Rollout completed update to revision 1"));
        return rollout;
    }

    /// <summary>A second revision started at <paramref name="at"/> that its owner paused (spec.paused) right after; it made no progress since.</summary>
    public static JsonObject PausedByUser(string ns, string name, DateTimeOffset at)
    {
        var api = new ApiServer(start: at.AddMinutes(-5));
        var manifest = BlueGreenManifest(ns, name);
        SetImage(manifest, "argoproj/rollouts-demo:blue");
        Allowed(api.Create(manifest, Users[0]), "CREATE");
        Bookkeeping(api, 1);
        api.Clock.Advance(TimeSpan.FromMinutes(5));
        Allowed(api.Update(r => SetImage(r, "argoproj/rollouts-demo:yellow"), Users[1]), "UPDATE");
        Bookkeeping(api, 2);
        api.Clock.Advance(TimeSpan.FromSeconds(10));
        Allowed(api.Update(r => r["spec"]!["paused"] = true, Users[1]), "pause");
        var rollout = (JsonObject)api.Stored!.DeepClone();
        rollout["metadata"]!["uid"] = $"uid-{ns}-{name}";
        rollout["metadata"]!["generation"] = 3;
        rollout["metadata"]!["creationTimestamp"] = Time(at.AddMinutes(-5));
        SetStatus(rollout, "Paused", "manually paused", stableImage: "argoproj/rollouts-demo:blue",
            Condition("Progressing", "Unknown", "RolloutPaused", at.AddSeconds(10), "Rollout is paused"),
            Condition("Available", "True", "AvailableReason", at.AddMinutes(-5).AddSeconds(30), "Rollout has minimum availability"));
        return rollout;
    }

    /// <summary>A BlueGreen Rollout without auto-promotion whose second revision (started at <paramref name="at"/>) waits for promotion.</summary>
    public static JsonObject AwaitingPromotion(string ns, string name, DateTimeOffset at)
    {
        var rollout = Admit(BlueGreenManifest(ns, name, autoPromotion: false), at.AddMinutes(-5), TimeSpan.FromMinutes(5),
            ["argoproj/rollouts-demo:blue", "argoproj/rollouts-demo:yellow"]);
        PausedByController(rollout, "BlueGreenPause", at, since: at.AddSeconds(30));
        return rollout;
    }

    /// <summary>
    /// As <see cref="AwaitingPromotion"/>, but with auto-promotion on after <c>autoPromotionSeconds: 300</c>: a timed pause
    /// that Argo ends itself (here the test's clock runs past it while the status still shows the pause, as when the
    /// controller is slow or down). The pause limit never counts it.
    /// </summary>
    public static JsonObject AwaitingTimedPromotion(string ns, string name, DateTimeOffset at)
    {
        var rollout = AwaitingPromotion(ns, name, at);
        var blueGreen = rollout["spec"]!["strategy"]!["blueGreen"]!.AsObject();
        blueGreen.Remove("autoPromotionEnabled");
        blueGreen["autoPromotionSeconds"] = 300;
        return rollout;
    }

    /// <summary>A canary Rollout whose second revision (started at <paramref name="at"/>) stands at its indefinite pause step.</summary>
    public static JsonObject CanaryAtPauseStep(string ns, string name, DateTimeOffset at)
    {
        var rollout = Admit(CanaryManifest(ns, name, new JsonObject { ["pause"] = new JsonObject() }), at.AddMinutes(-5), TimeSpan.FromMinutes(5),
            ["argoproj/rollouts-demo:blue", "argoproj/rollouts-demo:yellow"]);
        PausedByController(rollout, "CanaryPauseStep", at, since: at.AddSeconds(20));
        rollout["status"]!["currentStepIndex"] = 1;
        return rollout;
    }

    /// <summary>
    /// A canary Rollout whose second revision (started at <paramref name="at"/>) runs an inline analysis step: still
    /// "Progressing" with no progress recorded since, but Argo does not time out analysis steps, and neither do we.
    /// </summary>
    public static JsonObject CanaryAtAnalysisStep(string ns, string name, DateTimeOffset at)
    {
        var analysis = new JsonObject { ["analysis"] = new JsonObject { ["templates"] = new JsonArray(new JsonObject { ["templateName"] = "success-rate" }) } };
        var rollout = Admit(CanaryManifest(ns, name, analysis), at.AddMinutes(-5), TimeSpan.FromMinutes(5),
            ["argoproj/rollouts-demo:blue", "argoproj/rollouts-demo:yellow"]);
        SetStatus(rollout, "Progressing", "waiting for all steps to complete", stableImage: "argoproj/rollouts-demo:blue",
            Condition("Progressing", "True", "ReplicaSetUpdated", at.AddSeconds(20), $"ReplicaSet \"{name}-{PodHash(rollout)}\" is progressing."),
            Condition("Available", "True", "AvailableReason", at.AddMinutes(-5).AddSeconds(30), "Rollout has minimum availability"));
        rollout["status"]!["currentStepIndex"] = 1;
        return rollout;
    }

    /// <summary>
    /// A Rollout created at <paramref name="created"/> without deadline fields (the webhook injects the policy's
    /// default 600 s and abort) unless <paramref name="deadlineSeconds"/> is given, progressing: its controller last
    /// recorded progress at <paramref name="lastProgress"/>.
    /// </summary>
    public static JsonObject Fresh(string ns, string name, DateTimeOffset created, DateTimeOffset lastProgress, int? deadlineSeconds = null)
    {
        var rollout = Admit(BlueGreenManifest(ns, name, deadlineSeconds, abort: null), created, TimeSpan.Zero, ["argoproj/rollouts-demo:green"]);
        SetStatus(rollout, "Progressing", "updated replicas are still becoming available", stableImage: null,
            Condition("Progressing", "True", "ReplicaSetUpdated", lastProgress, $"ReplicaSet \"{name}-{PodHash(rollout)}\" is progressing."),
            Condition("Available", "False", "AvailableReason", created, "Rollout does not have minimum availability"));
        return rollout;
    }

    /// <summary>The stuck revision 4 in a sandbox namespace, exempted by annotation there (the built-in policy allows it in sandbox-*).</summary>
    public static JsonObject Exempt(string ns, string name, DateTimeOffset? started = null)
    {
        var rollout = StuckRevision4(ns, name, started);
        rollout["metadata"]!["annotations"]![ExemptAnnotation] = "load test, aborted by hand";
        return rollout;
    }

    /// <summary>
    /// The cluster of the "done when": the stuck revision 4 (started at <paramref name="revision4Started"/>, namespace
    /// shop, name checkout) and Rollouts to leave alone: healthy, paused by its owner, awaiting promotion, a fresh
    /// one that last progressed at <paramref name="freshProgress"/> (600 s deadline), a canary at a pause step, one
    /// at an analysis step, and the same stuck revision exempted in a sandbox namespace.
    /// </summary>
    public static (JsonObject Stuck, IReadOnlyList<JsonObject> Others) Cluster(DateTimeOffset revision4Started, DateTimeOffset freshProgress) =>
        (StuckRevision4("shop", "checkout", revision4Started),
        [
            Healthy("shop", "cart", revision4Started.AddHours(-2)),
            PausedByUser("shop", "payments", revision4Started.AddMinutes(-10)),
            AwaitingPromotion("shop", "search", revision4Started.AddMinutes(-10)),
            Fresh("shop", "catalog", freshProgress.AddSeconds(-55), freshProgress),
            CanaryAtPauseStep("shop", "reviews", revision4Started.AddMinutes(-10)),
            CanaryAtAnalysisStep("shop", "ratings", revision4Started.AddMinutes(-10)),
            Exempt("sandbox-load", "checkout", revision4Started),
        ]);

    /// <summary>The controller recorded progress at <paramref name="at"/> (pods became ready): the Progressing condition moves.</summary>
    public static void RecordProgress(JsonObject rollout, DateTimeOffset at)
    {
        var progressing = ProgressingCondition(rollout);
        progressing["reason"] = "ReplicaSetUpdated";
        progressing["lastUpdateTime"] = Time(at);
    }

    public static JsonObject Status(JsonObject rollout) => rollout["status"]!.AsObject();

    public static JsonObject ProgressingCondition(JsonObject rollout) =>
        Status(rollout)["conditions"]!.AsArray().OfType<JsonObject>().First(c => c["type"]!.GetValue<string>() == "Progressing");

    public static string Name(JsonObject rollout) => rollout["metadata"]!["name"]!.GetValue<string>();

    public static string Namespace(JsonObject rollout) => rollout["metadata"]!["namespace"]!.GetValue<string>();

    public static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>The pod-template-hash Argo would label the current revision's ReplicaSet with (any stable short hex string serves).</summary>
    public static string PodHash(JsonObject rollout) => PodHash(rollout["spec"]!["template"]!);

    private static string PodHash(JsonNode template) => CanonicalJson.Fingerprint(template)[..9];

    private static JsonObject Manifest(string ns, string name, int? deadlineSeconds, bool? abort, JsonObject strategy)
    {
        var spec = new JsonObject { ["replicas"] = 2 };
        if (deadlineSeconds is { } seconds)
        {
            spec["progressDeadlineSeconds"] = seconds;
        }

        if (abort is { } value)
        {
            spec["progressDeadlineAbort"] = value;
        }

        spec["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = name } };
        spec["template"] = new JsonObject
        {
            ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["app"] = name } },
            ["spec"] = new JsonObject
            {
                ["containers"] = new JsonArray(new JsonObject
                {
                    ["name"] = "web",
                    ["image"] = "argoproj/rollouts-demo:blue",
                    ["startupProbe"] = new JsonObject { ["httpGet"] = new JsonObject { ["path"] = "/healthz", ["port"] = 8080 } },
                }),
            },
        };
        spec["strategy"] = strategy;
        return new JsonObject
        {
            ["apiVersion"] = "argoproj.io/v1alpha1",
            ["kind"] = "Rollout",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns, ["labels"] = new JsonObject { ["app"] = name } },
            ["spec"] = spec,
        };
    }

    private static void SetImage(JsonObject rollout, string image) =>
        rollout["spec"]!["template"]!["spec"]!["containers"]![0]!["image"] = image;

    /// <summary>Argo's controller writes the revision annotation with a plain Update (sync.go setRolloutRevision).</summary>
    private static void Bookkeeping(ApiServer api, int revision) =>
        Allowed(api.Update(r => r["metadata"]!["annotations"]![RevisionAnnotation] = revision.ToString(CultureInfo.InvariantCulture), ArgoController), "controller bookkeeping");

    private static void Allowed(AdmissionDecision decision, string what)
    {
        if (!decision.Allowed)
        {
            throw new InvalidOperationException($"the webhook refused the {what}: {string.Join("; ", decision.Violations)}");
        }
    }

    private static JsonObject Condition(string type, string status, string reason, DateTimeOffset at, string message) => new()
    {
        ["type"] = type,
        ["status"] = status,
        ["reason"] = reason,
        ["message"] = message,
        ["lastUpdateTime"] = Time(at),
        ["lastTransitionTime"] = Time(at),
    };

    /// <summary>
    /// The status of a second revision (started at <paramref name="at"/>) that Argo paused at <paramref name="since"/>
    /// for <paramref name="reason"/>: phase Paused, a controller pause and its pause condition.
    /// </summary>
    private static void PausedByController(JsonObject rollout, string reason, DateTimeOffset at, DateTimeOffset since)
    {
        SetStatus(rollout, "Paused", reason, stableImage: "argoproj/rollouts-demo:blue",
            Condition("Progressing", "Unknown", "RolloutPaused", since, "Rollout is paused"),
            Condition("Paused", "True", "RolloutPaused", since, "Rollout is paused"),
            Condition("Available", "True", "AvailableReason", at.AddMinutes(-5).AddSeconds(30), "Rollout has minimum availability"));
        var status = rollout["status"]!.AsObject();
        status["controllerPause"] = true;
        status["pauseConditions"] = new JsonArray(new JsonObject { ["reason"] = reason, ["startTime"] = Time(since) });
    }

    private static void SetStatus(JsonObject rollout, string phase, string? message, string? stableImage, params JsonObject[] conditions)
    {
        var current = PodHash(rollout);
        string? stable = null;
        if (stableImage is not null)
        {
            var template = rollout["spec"]!["template"]!.DeepClone();
            template["spec"]!["containers"]![0]!["image"] = stableImage;
            stable = PodHash(template);
        }

        var status = new JsonObject
        {
            ["observedGeneration"] = rollout["metadata"]!["generation"]!.GetValue<int>().ToString(CultureInfo.InvariantCulture),
            ["phase"] = phase,
        };
        if (message is not null)
        {
            status["message"] = message;
        }

        status["abort"] = false;
        status["currentPodHash"] = current;
        if (stable is not null)
        {
            status["stableRS"] = stable;
        }

        status["replicas"] = 2;
        status["conditions"] = new JsonArray([.. conditions]);
        rollout["status"] = status;
    }
}

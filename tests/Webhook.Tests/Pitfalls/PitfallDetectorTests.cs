using System.Text.Json.Nodes;
using DeadlineGuard.Pitfalls;
using static DeadlineGuard.Tests.Pitfalls.PitfallRollouts;

namespace DeadlineGuard.Tests.Pitfalls;

/// <summary>Each pitfall firing, and its near misses not firing, by name (docs/pitfalls.md).</summary>
public sealed class PitfallDetectorTests
{
    private const string Container = "spec.template.spec.containers.0";
    private const string Startup = Container + ".startupProbe";
    private const string Readiness = Container + ".readinessProbe";
    private const string CanaryPath = "spec.strategy.canary";
    private const string BlueGreenPath = "spec.strategy.blueGreen";
    private const string Istio = "{istio: {virtualService: {name: web-vs}, destinationRule: {name: web-dr, canarySubsetName: canary, stableSubsetName: stable}}}";

    private static readonly PitfallContext None = PitfallContext.Unprotected;
    private static readonly PitfallContext PauseLimit = None with { PauseLimitSeconds = 3600 };

    private static PitfallContext Deadline(int seconds) => None with { DeadlineSeconds = seconds };

    public static TheoryData<string, Func<JsonObject>, PitfallContext, string[]> Cases => new()
    {
        { "a clean canary has no pitfall", Canary(), None, [] },
        { "a clean BlueGreen (auto-promotion, abortScaleDownDelaySeconds 0) has no pitfall", BlueGreen(), None, [] },

        // DG101
        { "DG101: BlueGreen without abortScaleDownDelaySeconds takes Argo's 30", BlueGreen((BlueGreenPath + ".abortScaleDownDelaySeconds", "~remove")), None, ["DG101"] },
        { "DG101: BlueGreen abortScaleDownDelaySeconds 30", BlueGreen((BlueGreenPath + ".abortScaleDownDelaySeconds", "30")), None, ["DG101"] },
        { "DG101: abortScaleDownDelaySeconds null is unset, so 30", BlueGreen((BlueGreenPath + ".abortScaleDownDelaySeconds", "null")), None, ["DG101"] },
        { "DG101 near miss: BlueGreen abortScaleDownDelaySeconds 0", BlueGreen(), None, [] },
        { "DG101 near miss: abortScaleDownDelaySeconds \"30\" (a string) is not judged", BlueGreen((BlueGreenPath + ".abortScaleDownDelaySeconds", "'30'")), None, [] },
        { "DG101 near miss: abortScaleDownDelaySeconds -1 is not judged", BlueGreen((BlueGreenPath + ".abortScaleDownDelaySeconds", "-1")), None, [] },
        { "DG101 and DG105: canary with trafficRouting and no abortScaleDownDelaySeconds", Canary((CanaryPath + ".trafficRouting", Istio)), None, ["DG101", "DG105"] },
        { "DG101 near miss: canary with trafficRouting and abortScaleDownDelaySeconds 0", Canary((CanaryPath + ".trafficRouting", Istio), (CanaryPath + ".abortScaleDownDelaySeconds", "0")), None, ["DG105"] },
        { "DG101 near miss: dynamicStableScale without abortScaleDownDelaySeconds takes no delay", Canary((CanaryPath + ".trafficRouting", Istio), (CanaryPath + ".dynamicStableScale", "true")), None, ["DG105"] },
        { "DG101: dynamicStableScale with abortScaleDownDelaySeconds set", Canary((CanaryPath + ".trafficRouting", Istio), (CanaryPath + ".dynamicStableScale", "true"), (CanaryPath + ".abortScaleDownDelaySeconds", "30")), None, ["DG101", "DG105"] },
        { "DG101 near miss: a basic canary ignores abortScaleDownDelaySeconds", Canary((CanaryPath + ".abortScaleDownDelaySeconds", "30")), None, [] },
        { "DG101 only: trafficRouting {} names no router, so no DG105", Canary((CanaryPath + ".trafficRouting", "{}")), None, ["DG101"] },

        // DG102
        { "DG102: a container without readinessProbe", Canary((Readiness, "~remove")), None, ["DG102"] },
        { "DG102: readinessProbe null is no probe", Canary((Readiness, "null")), None, ["DG102"] },
        { "DG102: a startupProbe alone does not gate readiness", Canary((Readiness, "~remove"), (Startup, "{httpGet: {path: /, port: 80}}")), None, ["DG102"] },
        { "DG102: a second app container without readinessProbe", Canary(("spec.template.spec.containers.1", "{name: log-shipper, image: example.com/ship:2}")), None, ["DG102"] },
        { "DG102 near miss: init containers and native sidecars are not judged", Canary(("spec.template.spec.initContainers", "[{name: migrate, image: m:1}, {name: proxy, image: p:1, restartPolicy: Always}]")), None, [] },
        { "DG102 near miss: a wrong-typed readinessProbe counts as present", Canary((Readiness, "probe")), None, [] },

        // DG103
        { "DG103: startupProbe 10 + 10 x 30 = 310 over a 300 s deadline", Canary(("spec.progressDeadlineSeconds", "300"), (Startup, "{httpGet: {port: 80}, initialDelaySeconds: 10, periodSeconds: 10, failureThreshold: 30}")), None, ["DG103"] },
        { "DG103 near miss: a startup budget equal to the deadline", Canary(("spec.progressDeadlineSeconds", "310"), (Startup, "{httpGet: {port: 80}, initialDelaySeconds: 10, periodSeconds: 10, failureThreshold: 30}")), None, [] },
        { "DG103: Kubernetes defaults period 10 and threshold 3 against Argo's 600", Canary((Startup, "{httpGet: {port: 80}, initialDelaySeconds: 575}")), None, ["DG103"] },
        { "DG103: zero period and threshold are Kubernetes defaults too", Canary((Startup, "{httpGet: {port: 80}, initialDelaySeconds: 575, periodSeconds: 0, failureThreshold: 0}")), None, ["DG103"] },
        { "DG103 near miss: 570 + 10 x 3 = 600 is within Argo's 600", Canary((Startup, "{httpGet: {port: 80}, initialDelaySeconds: 570}")), None, [] },
        { "DG103: readiness initialDelaySeconds over the deadline without a startupProbe", Canary((Readiness + ".initialDelaySeconds", "700")), None, ["DG103"] },
        { "DG103 near miss: a startupProbe replaces the readiness delay in the budget", Canary((Readiness + ".initialDelaySeconds", "700"), (Startup, "{httpGet: {port: 80}}")), None, [] },
        { "DG103: BlueGreen adds minReadySeconds 300 to a 310 s start", BlueGreen(("spec.minReadySeconds", "300"), (Startup, "{httpGet: {port: 80}, initialDelaySeconds: 10, failureThreshold: 30}")), None, ["DG103"] },
        { "DG103 near miss: a canary does not add minReadySeconds", Canary(("spec.minReadySeconds", "300"), (Startup, "{httpGet: {port: 80}, initialDelaySeconds: 10, failureThreshold: 30}")), None, [] },
        { "DG103 near miss: minReadySeconds alone is the policy's rule", BlueGreen(("spec.minReadySeconds", "700")), None, [] },
        { "DG103 near miss: a deadline not above minReadySeconds is Argo's InvalidSpec, left to the policy", BlueGreen(("spec.minReadySeconds", "600"), (Startup, "{httpGet: {port: 80}}")), None, [] },
        { "DG103: the slowest of several containers decides", Canary(("spec.template.spec.containers.1", "{name: slow, image: s:1, readinessProbe: {tcpSocket: {port: 1}}, startupProbe: {tcpSocket: {port: 1}, periodSeconds: 60, failureThreshold: 20}}")), None, ["DG103"] },
        { "DG103: the deadline in force from the context, not Argo's default", Canary((Readiness + ".initialDelaySeconds", "200")), Deadline(120), ["DG103"] },
        { "DG103 near miss: the context's deadline wins over the manifest's", Canary(("spec.progressDeadlineSeconds", "60"), (Readiness + ".initialDelaySeconds", "200")), Deadline(900), [] },
        { "DG103 near miss: periodSeconds \"10\" (a string) is not judged", Canary(("spec.progressDeadlineSeconds", "60"), (Startup, "{httpGet: {port: 80}, periodSeconds: '10', failureThreshold: 30}")), None, [] },
        { "DG103 near miss: periodSeconds -1 is not judged", Canary(("spec.progressDeadlineSeconds", "60"), (Startup, "{httpGet: {port: 80}, periodSeconds: -1, failureThreshold: 30}")), None, [] },
        { "DG103 near miss: failureThreshold 1e99 is not judged", Canary(("spec.progressDeadlineSeconds", "60"), (Startup, "{httpGet: {port: 80}, failureThreshold: 1e99}")), None, [] },
        { "DG103 near miss: initialDelaySeconds a mapping is not judged", Canary(("spec.progressDeadlineSeconds", "60"), (Readiness + ".initialDelaySeconds", "{a: 1}")), None, [] },
        { "DG103 near miss: a startupProbe that is a list is not judged", Canary(("spec.progressDeadlineSeconds", "60"), (Startup, "[1, 2]")), None, [] },
        { "DG103 near miss: progressDeadlineSeconds \"60\" (a string) is not judged", Canary(("spec.progressDeadlineSeconds", "'60'"), (Readiness + ".initialDelaySeconds", "200")), None, [] },

        // DG104
        { "DG104: BlueGreen autoPromotionEnabled false", BlueGreen((BlueGreenPath + ".autoPromotionEnabled", "false")), None, ["DG104"] },
        { "DG104: autoPromotionSeconds is ignored when autoPromotionEnabled is false", BlueGreen((BlueGreenPath + ".autoPromotionEnabled", "false"), (BlueGreenPath + ".autoPromotionSeconds", "300")), None, ["DG104"] },
        { "DG104 near miss: autoPromotionSeconds 300 with auto-promotion is a timed pause", BlueGreen((BlueGreenPath + ".autoPromotionSeconds", "300")), None, [] },
        { "DG104 near miss: autoPromotionEnabled \"false\" (a string) is not false", BlueGreen((BlueGreenPath + ".autoPromotionEnabled", "'false'")), None, [] },
        { "DG104: canary pause {}", Canary((CanaryPath + ".steps.1", "{pause: {}}")), None, ["DG104"] },
        { "DG104: canary pause with duration null", Canary((CanaryPath + ".steps.1", "{pause: {duration: null}}")), None, ["DG104"] },
        { "DG104 near miss: canary pause {duration: 1h}", Canary(), None, [] },
        { "DG104 near miss: a pause limit is in force", Canary((CanaryPath + ".steps.1", "{pause: {}}")), PauseLimit, [] },
        { "DG104 near miss: a person's spec.paused is not a pitfall", Canary(("spec.paused", "true")), None, [] },
        { "DG104 near miss: pause null is no pause step", Canary((CanaryPath + ".steps.1", "{pause: null}")), None, [] },

        // DG105
        { "DG105: canary with Istio trafficRouting (abort delay 0)", Canary((CanaryPath + ".trafficRouting", Istio), (CanaryPath + ".abortScaleDownDelaySeconds", "0")), None, ["DG105"] },
        { "DG105 near miss: trafficRouting null", Canary((CanaryPath + ".trafficRouting", "null")), None, [] },

        // order: most severe first, then by id; DG100 (low) last
        { "all five, most severe first", Canary(
            (Readiness, "~remove"), (Startup, "{httpGet: {port: 80}, initialDelaySeconds: 900}"), (CanaryPath + ".steps.1", "{pause: {}}"),
            (CanaryPath + ".trafficRouting", Istio), ("metadata.annotations", "{deadline-guard.io/ignore-pitfalls: DG999}")),
          None, ["DG101", "DG102", "DG103", "DG104", "DG105", "DG100"] },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Detects_the_expected_pitfalls(string name, Func<JsonObject> rollout, PitfallContext context, string[] expected)
    {
        var report = PitfallDetector.Detect(Element(rollout()), context);

        report.Ids.ShouldBe(expected, name);
        foreach (var finding in report.Findings)
        {
            finding.Warning.ShouldStartWith(finding.Id + " ", customMessage: name);
            finding.Warning.Length.ShouldBeLessThan(120, name);
            finding.Severity.ShouldBe(PitfallCatalog.Find(finding.Id)!.Severity, name);
            finding.Explanation.ShouldContain(PitfallDetector.IgnoreAnnotation, customMessage: name);
        }
    }

    [Fact]
    public void A_wrong_typed_probe_value_is_named_in_a_note()
    {
        var rollout = With(CleanCanary, ("spec.progressDeadlineSeconds", "60"), (Startup, "{httpGet: {port: 80}, periodSeconds: '10'}"));

        var report = PitfallDetector.Detect(Element(rollout), None);

        report.Findings.ShouldBeEmpty();
        report.Notes.ShouldBe(["DG103 not judged for container web: startupProbe.periodSeconds is \"10\" (a string)"]);
    }

    [Fact]
    public void DG103_explains_the_budget_it_counted()
    {
        var rollout = With(CleanBlueGreen, ("spec.minReadySeconds", "30"), ("spec.progressDeadlineSeconds", "120"),
            (Startup, "{httpGet: {port: 80}, initialDelaySeconds: 5, periodSeconds: 5, failureThreshold: 20}"));

        var finding = PitfallDetector.Detect(Element(rollout), None).Findings.ShouldHaveSingleItem();

        finding.Warning.ShouldBe("DG103 progressDeadlineSeconds 120 is shorter than the 135 s start-up the pods declare: slow healthy starts abort");
        finding.Explanation.ShouldContain("minReadySeconds 30 + container shop's startupProbe 5 + 5 × 20 = 135 s");
    }

    [Fact]
    public void DG101_says_when_the_delay_is_Argo_s_default()
    {
        var rollout = With(CleanBlueGreen, (BlueGreenPath + ".abortScaleDownDelaySeconds", "~remove"));

        var finding = PitfallDetector.Detect(Element(rollout), None).Findings.ShouldHaveSingleItem();

        finding.Warning.ShouldBe("DG101 blueGreen.abortScaleDownDelaySeconds is 30 (default): after an abort, later deadlines may never fire");
        finding.Explanation.ShouldContain("set spec.strategy.blueGreen.abortScaleDownDelaySeconds: 0");
    }

    [Fact]
    public void DG104_says_autoPromotionSeconds_is_ignored_and_offers_the_BlueGreen_fixes()
    {
        var rollout = With(CleanBlueGreen, (BlueGreenPath + ".autoPromotionEnabled", "false"), (BlueGreenPath + ".autoPromotionSeconds", "300"));

        var finding = PitfallDetector.Detect(Element(rollout), None).Findings.ShouldHaveSingleItem();

        finding.Warning.ShouldBe("DG104 blueGreen.autoPromotionEnabled is false and no pause limit: the revision can wait for ever");
        finding.Explanation.ShouldContain("autoPromotionSeconds 300 is ignored when autoPromotionEnabled is false");
        finding.Explanation.ShouldContain("pauses.maxSeconds");
        finding.Explanation.ShouldNotContain("give the pause a duration");
    }

    [Fact]
    public void DG104_names_every_canary_step_that_waits_for_a_promote()
    {
        var rollout = With(CleanCanary, (CanaryPath + ".steps", "[{pause: {}}, {setWeight: 50}, {pause: {duration: null}}, {pause: {duration: 10}}]"));

        var finding = PitfallDetector.Detect(Element(rollout), None).Findings.ShouldHaveSingleItem();

        finding.Warning.ShouldBe("DG104 canary steps 0, 2: pause without duration and no pause limit: the revision can wait for ever");
        finding.Explanation.ShouldContain("give the pause a duration");
    }

    [Fact]
    public void DG102_names_every_container_without_a_readiness_probe()
    {
        var rollout = With(CleanCanary, (Readiness, "~remove"), ("spec.template.spec.containers.1", "{name: worker, image: w:1}"));

        var finding = PitfallDetector.Detect(Element(rollout), None).Findings.ShouldHaveSingleItem();

        finding.Warning.ShouldBe("DG102 no readinessProbe in web, worker: Ready once running, so no deadline catches a broken version");
    }

    [Fact]
    public void Long_container_names_still_give_a_warning_under_120_characters()
    {
        var names = Enumerable.Range(0, 5).Select(i => new string((char)('a' + i), 63)).ToList();
        var rollout = Parse(CleanCanary);
        rollout["spec"]!["template"]!["spec"]!["containers"] = new JsonArray(names.Select(n => (JsonNode)new JsonObject { ["name"] = n }).ToArray());

        var finding = PitfallDetector.Detect(Element(rollout), None).Findings.ShouldHaveSingleItem();

        finding.Warning.Length.ShouldBeLessThan(120);
        finding.Warning.ShouldContain("more");
        finding.Explanation.ShouldContain(names[4]);
    }

    [Fact]
    public void The_reconciler_covers_DG101_and_DG105_but_not_the_others()
    {
        var rollout = With(CleanCanary, (Readiness, "~remove"), (CanaryPath + ".trafficRouting", Istio));

        var report = PitfallDetector.Detect(Element(rollout), None with { ReconcilerCovers = true });

        report.Ids.ShouldBe(["DG102"]);
        report.Suppressed.Select(s => (s.Finding.Id, s.Reason)).ShouldBe(
            [("DG101", SuppressionReason.CoveredByReconciler), ("DG105", SuppressionReason.CoveredByReconciler)]);
    }

    [Fact]
    public void The_policy_ignore_list_suppresses_by_id_in_any_case()
    {
        var rollout = With(CleanBlueGreen, (Readiness, "~remove"), (BlueGreenPath + ".autoPromotionEnabled", "false"));

        var report = PitfallDetector.Detect(Element(rollout), None with { IgnoredIds = ["dg104", " DG102 "] });

        report.Findings.ShouldBeEmpty();
        report.Suppressed.Select(s => (s.Finding.Id, s.Reason)).ShouldBe(
            [("DG102", SuppressionReason.IgnoredByPolicy), ("DG104", SuppressionReason.IgnoredByPolicy)]);
    }

    [Theory]
    [InlineData("DG102,DG104")]
    [InlineData(" DG102 , dg104 ")]
    [InlineData("DG102,,DG104,")]
    [InlineData("DG104, DG102, DG102")]
    public void The_annotation_suppresses_the_ids_it_lists(string annotation)
    {
        var rollout = With(CleanBlueGreen, (Readiness, "~remove"), (BlueGreenPath + ".autoPromotionEnabled", "false"),
            (BlueGreenPath + ".abortScaleDownDelaySeconds", "~remove"));
        rollout["metadata"]!["annotations"] = new JsonObject { [PitfallDetector.IgnoreAnnotation] = annotation };

        var report = PitfallDetector.Detect(Element(rollout), None);

        report.Ids.ShouldBe(["DG101"]);
        report.Suppressed.Select(s => (s.Finding.Id, s.Reason)).ShouldBe(
            [("DG102", SuppressionReason.IgnoredByAnnotation), ("DG104", SuppressionReason.IgnoredByAnnotation)]);
    }

    [Fact]
    public void An_unknown_id_in_the_annotation_is_reported_as_DG100_and_known_ones_still_apply()
    {
        var rollout = With(CleanCanary, (Readiness, "~remove"));
        rollout["metadata"]!["annotations"] = new JsonObject { [PitfallDetector.IgnoreAnnotation] = "DG102, DG1O4, all" };

        var report = PitfallDetector.Detect(Element(rollout), None);

        var finding = report.Findings.ShouldHaveSingleItem();
        finding.Id.ShouldBe("DG100");
        finding.Severity.ShouldBe(PitfallSeverity.Low);
        finding.Warning.ShouldBe("DG100 deadline-guard.io/ignore-pitfalls names unknown DG1O4, all; known: DG101-DG105");
        report.Suppressed.ShouldHaveSingleItem().Finding.Id.ShouldBe("DG102");
    }

    [Fact]
    public void DG100_can_itself_be_ignored_by_the_policy()
    {
        var rollout = Parse(CleanCanary);
        rollout["metadata"]!["annotations"] = new JsonObject { [PitfallDetector.IgnoreAnnotation] = "typo" };

        var report = PitfallDetector.Detect(Element(rollout), None with { IgnoredIds = ["DG100"] });

        report.Findings.ShouldBeEmpty();
        report.Suppressed.ShouldHaveSingleItem().Reason.ShouldBe(SuppressionReason.IgnoredByPolicy);
    }

    [Fact]
    public void An_annotation_that_is_not_a_string_ignores_nothing_and_says_so()
    {
        var rollout = With(CleanCanary, (Readiness, "~remove"));
        rollout["metadata"]!["annotations"] = new JsonObject { [PitfallDetector.IgnoreAnnotation] = new JsonArray("DG102") };

        var report = PitfallDetector.Detect(Element(rollout), None);

        report.Ids.ShouldBe(["DG102"]);
        report.Notes.ShouldBe(["annotation deadline-guard.io/ignore-pitfalls is a list, not a string: nothing ignored by it"]);
    }

    [Fact]
    public void A_workloadRef_Rollout_without_template_is_judged_on_its_strategy_and_says_the_template_was_not()
    {
        var rollout = With(CleanCanary, ("spec.template", "~remove"), ("spec.workloadRef", "{apiVersion: apps/v1, kind: Deployment, name: web}"),
            (CanaryPath + ".steps.1", "{pause: {}}"));

        var report = PitfallDetector.Detect(Element(rollout), None);

        report.Ids.ShouldBe(["DG104"]);
        report.Notes.ShouldBe(["the pod template is in Deployment/web (spec.workloadRef), not in this manifest: DG102 and DG103 were not judged"]);
    }

    [Fact]
    public void A_workloadRef_Rollout_whose_manifest_holds_a_template_is_judged_on_it()
    {
        var rollout = With(CleanCanary, (Readiness, "~remove"), ("spec.workloadRef", "{apiVersion: apps/v1, kind: Deployment, name: web}"));

        var report = PitfallDetector.Detect(Element(rollout), None);

        report.Ids.ShouldBe(["DG102"]);
        report.Notes.ShouldBeEmpty();
    }

    public static TheoryData<string, string> BadShapes => new()
    {
        { "an array", "[1, 2]" },
        { "a string", "\"Rollout\"" },
        { "null", "null" },
        { "an empty object", "{}" },
        { "spec a list", """{"kind":"Rollout","spec":[1]}""" },
        { "containers a mapping", """{"spec":{"template":{"spec":{"containers":{"name":"web"}}},"strategy":{"canary":{}}}}""" },
        { "containers of strings and nulls", """{"spec":{"template":{"spec":{"containers":["web",null,7]}},"strategy":{"canary":{}}}}""" },
        { "steps a string, strategy values of wrong types", """{"spec":{"strategy":{"canary":{"steps":"pause","trafficRouting":"istio"},"blueGreen":"x"}}}""" },
        { "steps of every JSON type", """{"spec":{"strategy":{"canary":{"steps":[1,"pause",null,[],{"pause":"1h"},{"pause":[]},{"pause":7}]}}}}""" },
        { "a step index past the steps", """{"spec":{"strategy":{"canary":{"steps":[]}}},"status":{"currentStepIndex":99}}""" },
        { "annotations a list", """{"metadata":{"annotations":["deadline-guard.io/ignore-pitfalls"]},"spec":{}}""" },
        { "huge and negative numbers everywhere", """{"spec":{"progressDeadlineSeconds":-1e99,"minReadySeconds":1e99,"template":{"spec":{"containers":[{"name":"a","readinessProbe":{},"startupProbe":{"initialDelaySeconds":2147483647,"periodSeconds":2147483647,"failureThreshold":2147483647}}]}},"strategy":{"blueGreen":{"abortScaleDownDelaySeconds":99999999999999999999}}}}""" },
    };

    [Theory]
    [MemberData(nameof(BadShapes))]
    public void Bad_shapes_never_throw_and_give_no_false_positive(string name, string json)
    {
        var report = PitfallDetector.Detect(Element(JsonNode.Parse(json)), None);

        report.Ids.ShouldNotContain("DG103", name);
        report.Ids.ShouldNotContain("DG104", name);
        report.Ids.ShouldNotContain("DG105", name);
    }

    [Fact]
    public void The_largest_probe_values_do_not_overflow()
    {
        var json = """{"spec":{"progressDeadlineSeconds":2147483647,"template":{"spec":{"containers":[{"name":"a","readinessProbe":{},"startupProbe":{"initialDelaySeconds":2147483647,"periodSeconds":2147483647,"failureThreshold":2147483647}}]}},"strategy":{"canary":{}}}}""";

        var finding = PitfallDetector.Detect(Element(JsonNode.Parse(json)), None).Findings.ShouldHaveSingleItem();

        finding.Id.ShouldBe("DG103");
        finding.Explanation.ShouldContain("4611686016279904256 s");
    }

    [Fact]
    public void A_default_JsonElement_is_judged_as_nothing()
    {
        var report = PitfallDetector.Detect(default, None);

        report.Findings.ShouldBeEmpty();
        report.Notes.ShouldHaveSingleItem().ShouldContain("nothing judged");
    }
}

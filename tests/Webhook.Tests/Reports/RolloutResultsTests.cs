using System.Text.Json;
using System.Text.Json.Nodes;
using DeadlineGuard.Admission;
using DeadlineGuard.History;
using DeadlineGuard.Policy;
using DeadlineGuard.Reconciler;
using DeadlineGuard.Reconciler.Reports;
using DeadlineGuard.Tests.Pitfalls;
using DeadlineGuard.Tests.Reconciler;
using DeadlineGuard.Tests.Support.FakeKube;

namespace DeadlineGuard.Tests.Reports;

/// <summary>The results one Rollout gets: the policy's rules as the webhook judges them, its pitfalls, and the enforcement.</summary>
public sealed class RolloutResultsTests
{
    private static readonly DeadlineVerdict Idle = DeadlineVerdict.Idle("phase is Healthy");

    private static RolloutSnapshot Snapshot(JsonObject rollout) =>
        Snapshots.From(rollout, new RolloutDecoder(new StringPool(), DeadlinePolicy.BuiltIn.Exemptions.Annotation, keepSelector: false, RolloutPitfalls.Find));

    /// <summary>The clean canary of the pitfall tests with its spec fields set (YAML values; ~remove deletes).</summary>
    private static JsonObject Rollout(params (string Path, string Value)[] edits) =>
        PitfallRollouts.With(PitfallRollouts.CleanCanary, [("spec.progressDeadlineSeconds", "600"), ("spec.progressDeadlineAbort", "true"), .. edits]);

    private static Dictionary<string, ReportResult> Rules(JsonObject rollout, DeadlinePolicy? policy = null) =>
        RolloutResults.For(Snapshot(rollout), Idle, policy ?? DeadlinePolicy.BuiltIn)
            .Where(r => r.Policy == RolloutResults.RulesPolicy)
            .ToDictionary(r => r.Rule);

    public static TheoryData<string, string, string, string> Fields => new()
    {
        { "spec.progressDeadlineSeconds", "~remove", RolloutResults.DeadlineSet, "spec.progressDeadlineSeconds is missing; it must be set to a whole number of seconds from 30 to 3600 (the webhook injects 600 at the Rollout's next write)" },
        { "spec.progressDeadlineSeconds", "'60'", RolloutResults.DeadlineSet, "spec.progressDeadlineSeconds is \"60\" (a string); it must be a whole number of seconds from 30 to 3600" },
        { "spec.progressDeadlineSeconds", "6.5", RolloutResults.DeadlineSet, "spec.progressDeadlineSeconds is 6.5; it must be a whole number of seconds from 30 to 3600" },
        { "spec.progressDeadlineSeconds", "null", RolloutResults.DeadlineSet, "spec.progressDeadlineSeconds is null; it must be a whole number of seconds from 30 to 3600" },
        { "spec.progressDeadlineSeconds", "10", RolloutResults.DeadlineWithinBounds, "spec.progressDeadlineSeconds is 10; it must be at least 30 (policy bounds 30-3600)" },
        { "spec.progressDeadlineSeconds", "5000", RolloutResults.DeadlineWithinBounds, "spec.progressDeadlineSeconds is 5000; it must be at most 3600 (policy bounds 30-3600)" },
        { "spec.minReadySeconds", "600", RolloutResults.DeadlineAboveMinReady, "spec.progressDeadlineSeconds is 600; it must be greater than spec.minReadySeconds (600), as Argo Rollouts requires" },
        { "spec.progressDeadlineAbort", "false", RolloutResults.AbortOnDeadline, "spec.progressDeadlineAbort is false; it must be true: the policy requires a Rollout to abort when its deadline passes" },
        { "spec.progressDeadlineAbort", "~remove", RolloutResults.AbortOnDeadline, "spec.progressDeadlineAbort is missing; it must be true: the policy requires a Rollout to abort when its deadline passes (the webhook injects true at the Rollout's next write)" },
        { "spec.progressDeadlineAbort", "'true'", RolloutResults.AbortOnDeadline, "spec.progressDeadlineAbort is \"true\" (a string); it must be true: the policy requires a Rollout to abort when its deadline passes" },
    };

    [Theory]
    [MemberData(nameof(Fields))]
    public void A_broken_rule_fails_with_the_webhooks_words_and_the_others_pass(string field, string value, string rule, string message)
    {
        var rules = Rules(Rollout((field, value)));

        rules[rule].Result.ShouldBe(ReportOutcome.Fail);
        rules[rule].Message.ShouldBe(message);
        rules[rule].Scored.ShouldBeTrue();
        rules.Values.Where(r => r.Rule != rule).ShouldAllBe(r => r.Result == ReportOutcome.Pass || r.Result == ReportOutcome.Skip);
    }

    [Theory]
    [MemberData(nameof(Fields))]
    public void The_rules_fail_exactly_where_the_webhooks_validation_finds_violations(string field, string value, string rule, string message)
    {
        _ = rule;
        _ = message;
        var rollout = Rollout((field, value));
        var effective = PolicyResolver.Resolve(DeadlinePolicy.BuiltIn, "shop");

        var fields = RolloutDeadlineFields.From(RolloutView.Parse(JsonSerializer.SerializeToUtf8Bytes(rollout)));
        var admission = new AdmissionDecider().Enforce(fields, "shop/web", effective).Violations.Select(v => v.Message);
        var report = Rules(rollout).Values.Where(r => r.Result == ReportOutcome.Fail).Select(r => r.Message.Split(" (the webhook injects")[0]);

        report.ShouldBe(admission, ignoreOrder: true);
    }

    [Fact]
    public void Under_a_Warn_action_a_broken_rule_is_a_warning_that_is_not_scored()
    {
        var policy = DeadlinePolicy.BuiltIn with { Action = PolicyAction.Warn };

        var rule = Rules(Rollout(("spec.progressDeadlineSeconds", "5000")), policy)[RolloutResults.DeadlineWithinBounds];

        rule.Result.ShouldBe(ReportOutcome.Warn);
        rule.Scored.ShouldBeFalse();
    }

    [Fact]
    public void Abort_is_skipped_where_the_policy_does_not_require_it_and_bounds_follow_overrides()
    {
        var policy = DeadlinePolicy.BuiltIn with { Overrides = [new PolicyOverride(["shop"], null, null, 7200, null, null, RequireAbort: false, null)] };

        var rules = Rules(Rollout(("spec.progressDeadlineSeconds", "5000"), ("spec.progressDeadlineAbort", "false")), policy);

        rules[RolloutResults.AbortOnDeadline].Result.ShouldBe(ReportOutcome.Skip);
        rules[RolloutResults.DeadlineWithinBounds].Result.ShouldBe(ReportOutcome.Pass);
        rules[RolloutResults.DeadlineWithinBounds].Message.ShouldBe("spec.progressDeadlineSeconds 5000 is within the policy bounds 30-7200");
    }

    [Fact]
    public void Pitfalls_are_warnings_and_those_the_reconciler_covers_are_left_out()
    {
        var rollout = PitfallRollouts.With(PitfallRollouts.CleanCanary,
            ("spec.template.spec.containers.0.readinessProbe", "~remove"),
            ("spec.strategy.canary.trafficRouting", "{nginx: {stableIngress: web}}"),
            ("spec.strategy.canary.steps.1.pause", "{}"));
        var snapshot = Snapshot(rollout);

        snapshot.Pitfalls.Ids.ShouldBe(["DG101", "DG102", "DG104", "DG105"]);
        var pitfalls = RolloutResults.For(snapshot, Idle, DeadlinePolicy.BuiltIn).Where(r => r.Policy == RolloutResults.PitfallsPolicy).ToList();
        pitfalls.Select(p => p.Rule).ShouldBe(["DG102", "DG104"]);
        pitfalls.ShouldAllBe(p => p.Result == ReportOutcome.Warn && !p.Scored);
        pitfalls[0].Severity.ShouldBe("high");
        pitfalls[0].Message.ShouldEndWith("(docs/pitfalls.md#dg102)");
    }

    [Theory]
    [InlineData(new string[0], 0, null, new[] { "DG102", "DG104" })]
    [InlineData(new[] { "dg102" }, 0, null, new[] { "DG104" })]
    [InlineData(new string[0], 600, null, new[] { "DG102" })]
    [InlineData(new string[0], 0, 600, new[] { "DG102" })]
    [InlineData(new[] { "DG102" }, 600, null, new string[0])]
    public void The_policy_takes_out_the_pitfalls_it_ignores_and_DG104_where_a_pause_limit_is_in_force(string[] ignore, int pauseLimit, int? shopPauseLimit, string[] expected)
    {
        var policy = DeadlinePolicy.BuiltIn with
        {
            Pauses = new PauseOptions(pauseLimit, Abort: true),
            Pitfalls = new PitfallOptions(ignore),
            Overrides = shopPauseLimit is { } limit ? [new PolicyOverride(["shop"], null, null, null, null, null, null, null, PauseMaxSeconds: limit)] : [],
        };
        var rollout = PitfallRollouts.With(PitfallRollouts.CleanCanary,
            ("spec.template.spec.containers.0.readinessProbe", "~remove"),
            ("spec.strategy.canary.trafficRouting", "{nginx: {stableIngress: web}}"),
            ("spec.strategy.canary.steps.1.pause", "{}"));
        var snapshot = Snapshot(rollout) with { Namespace = "shop" };

        var pitfalls = RolloutResults.For(snapshot, Idle, policy).Where(r => r.Policy == RolloutResults.PitfallsPolicy).Select(r => r.Rule);

        pitfalls.ShouldBe(expected);
    }

    [Fact]
    public void A_paused_rollout_is_enforced_by_the_pause_limit_rule_failing_past_the_limit_and_passing_within_it()
    {
        var paused = Snapshot(RolloutObjects.AwaitingPromotion("shop", "search", RolloutObjects.Rev4Started));
        var policy = DeadlinePolicy.BuiltIn with { Pauses = new PauseOptions(600, Abort: true) };
        var pausedAt = RolloutObjects.Rev4Started.AddSeconds(30);

        var exceeded = Enforcement(paused, policy, pausedAt.AddSeconds(631));
        var waiting = Enforcement(paused, policy, pausedAt.AddSeconds(60));
        var reported = Enforcement(paused, policy with { Pauses = new PauseOptions(600, Abort: false) }, pausedAt.AddSeconds(631));
        var off = Enforcement(paused, DeadlinePolicy.BuiltIn, pausedAt.AddSeconds(631));

        exceeded.Rule.ShouldBe(RolloutResults.PauseLimitEnforced);
        exceeded.Result.ShouldBe(ReportOutcome.Fail);
        exceeded.Message.ShouldBe("paused (BlueGreenPause) since 2026-11-27T10:15:30Z: its 600s pause limit and 30s grace passed at 2026-11-27T10:26:00Z; the reconciler aborts it (status.abort=true) unless it runs in dry run");
        exceeded.Properties.ShouldBe(
        [
            new("verdict", "exceeded"), new("limit", "pause"), new("deadlineSeconds", "60"), new("abort", "true"),
            new("pauseReason", "BlueGreenPause"), new("pausedSince", "2026-11-27T10:15:30Z"), new("pauseLimitSeconds", "600"),
            new("dueAt", "2026-11-27T10:26:00Z"), new("revision", "2"),
        ]);
        waiting.Rule.ShouldBe(RolloutResults.PauseLimitEnforced);
        waiting.Result.ShouldBe(ReportOutcome.Pass);
        waiting.Message.ShouldStartWith("paused (BlueGreenPause) since 2026-11-27T10:15:30Z; its 600s pause limit");
        reported.Result.ShouldBe(ReportOutcome.Fail);
        reported.Message.ShouldEndWith("; the policy's pauses.abort is false: the reconciler reports it (Event) and does not abort");
        off.Rule.ShouldBe(RolloutResults.PauseLimitEnforced);
        off.Result.ShouldBe(ReportOutcome.Pass);
        off.Message.ShouldBe("paused; no pause limit in force (pauses.maxSeconds is 0)");
    }

    private static ReportResult Enforcement(RolloutSnapshot rollout, DeadlinePolicy policy, DateTimeOffset now) =>
        RolloutResults.For(rollout, DeadlineJudge.Judge(rollout, policy, now, 30), policy).Single(r => r.Policy == RolloutResults.EnforcementPolicy);

    [Fact]
    public void Enforcement_fails_while_the_revision_is_past_its_deadline_and_passes_otherwise()
    {
        var stuck = Snapshot(RolloutObjects.StuckRevision4());
        var now = RolloutObjects.Rev4Started.AddMinutes(5);

        var exceeded = RolloutResults.For(stuck, DeadlineJudge.Judge(stuck, DeadlinePolicy.BuiltIn, now, 30), DeadlinePolicy.BuiltIn).Single(r => r.Policy == RolloutResults.EnforcementPolicy);
        var waiting = RolloutResults.For(stuck, DeadlineJudge.Judge(stuck, DeadlinePolicy.BuiltIn, RolloutObjects.Rev4Started.AddSeconds(10), 30), DeadlinePolicy.BuiltIn).Single(r => r.Policy == RolloutResults.EnforcementPolicy);

        exceeded.Result.ShouldBe(ReportOutcome.Fail);
        exceeded.Message.ShouldBe("no progress since 2026-11-27T10:15:02Z: 60s deadline and 30s grace passed at 2026-11-27T10:16:32Z; the reconciler aborts it (status.abort=true) unless it runs in dry run");
        exceeded.Rule.ShouldBe(RolloutResults.DeadlineEnforced);
        exceeded.Properties.ShouldContain(new KeyValuePair<string, string>("dueAt", "2026-11-27T10:16:32Z"));
        exceeded.Properties.ShouldContain(new KeyValuePair<string, string>("limit", "deadline"));
        waiting.Result.ShouldBe(ReportOutcome.Pass);
        waiting.Message.ShouldBe("progressing within its 60s deadline");
        waiting.Properties.ShouldContain(new KeyValuePair<string, string>("verdict", "waiting"));
    }

    [Fact]
    public void An_exempt_rollout_gets_skipped_rules_and_enforcement_and_no_pitfalls()
    {
        var exempt = Snapshot(RolloutObjects.Exempt("sandbox-load", "checkout"));
        var system = Snapshot(RolloutObjects.StuckRevision4()) with { Namespace = "kube-system" };

        foreach (var (snapshot, why) in new[] { (exempt, "exempt by annotation deadline-guard.io/exempt: load test, aborted by hand"), (system, "not evaluated: namespace kube-system is in the policy's exemptions.namespaces") })
        {
            var results = RolloutResults.For(snapshot, Idle, DeadlinePolicy.BuiltIn);
            results.Count.ShouldBe(5);
            results.ShouldAllBe(r => r.Result == ReportOutcome.Skip && r.Message == why);
        }
    }

    [Fact]
    public void The_summary_counts_every_outcome_and_a_report_too_large_leaves_out_pass_results_first()
    {
        var snapshot = Snapshot(RolloutObjects.StuckRevision4());
        var verdict = DeadlineJudge.Judge(snapshot, DeadlinePolicy.BuiltIn, RolloutObjects.Rev4Started.AddMinutes(5), 30);
        var entries = Enumerable.Range(0, 200).Select(i => new NamespaceReport.Entry(snapshot with { Name = $"r-{i:000}" }, RolloutResults.For(snapshot, verdict, DeadlinePolicy.BuiltIn))).ToList();

        var whole = NamespaceReport.Build(ReportResource.PolicyReport, "shop", entries, null, RolloutObjects.Rev4Started, 10 * 1024 * 1024);
        var cut = NamespaceReport.Build(ReportResource.PolicyReport, "shop", entries, null, RolloutObjects.Rev4Started, 64 * 1024);

        whole["results"]!.AsArray().Count.ShouldBe(1200);
        whole["summary"]!.ToJsonString().ShouldBe("""{"pass":800,"fail":200,"warn":200,"error":0,"skip":0}""");
        whole["metadata"]!["annotations"].ShouldBeNull();
        var kept = cut["results"]!.AsArray().Select(r => r!["result"]!.GetValue<string>()).ToList();
        kept.ShouldNotContain("pass");
        cut.ToJsonString().Length.ShouldBeLessThan(80 * 1024);
        cut["summary"]!["fail"]!.GetValue<int>().ShouldBe(kept.Count(k => k == "fail"));
        cut["summary"]!["warn"]!.GetValue<int>().ShouldBe(kept.Count(k => k == "warn"));
        cut["summary"]!["pass"]!.GetValue<int>().ShouldBe(0);
        cut["metadata"]!["annotations"]![NamespaceReport.OmittedAnnotation]!.GetValue<string>().ShouldStartWith("800 pass, ");
        ReportCrds.Check(JsonSerializer.SerializeToNode(cut)!.AsObject()).ShouldBeEmpty();
        ReportCrds.Check(JsonSerializer.SerializeToNode(whole)!.AsObject()).ShouldBeEmpty();
    }
}

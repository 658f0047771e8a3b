using System.Text.Json.Nodes;
using DeadlineGuard.Admission;
using DeadlineGuard.Pitfalls;
using DeadlineGuard.Policy;
using DeadlineGuard.Tests.Support;

namespace DeadlineGuard.Tests.Admission;

/// <summary>The pitfall check of /validate as a pure decision: ids and reasons, not prose.</summary>
public sealed class AdmissionPitfallTests
{
    private static readonly DeadlinePolicy PauseLimit = DeadlinePolicy.BuiltIn with { Pauses = DeadlinePolicy.BuiltIn.Pauses with { MaxSeconds = 3600 } };

    /// <summary>Compliant deadlines; DG101 (canary abortScaleDownDelaySeconds 30), DG102 (no readinessProbe), DG104 (pause step), DG105 (routing).</summary>
    private static JsonObject Rollout(string @namespace = "team-a")
    {
        var rollout = Compliant(Reviews.Rollout("web", @namespace));
        rollout["spec"]!["strategy"] = new JsonObject
        {
            ["canary"] = new JsonObject
            {
                ["trafficRouting"] = new JsonObject { ["nginx"] = new JsonObject { ["stableIngress"] = "web" } },
                ["steps"] = new JsonArray(new JsonObject { ["pause"] = new JsonObject() }),
            },
        };
        return rollout;
    }

    private static JsonObject Compliant(JsonObject rollout)
    {
        rollout["spec"]!["progressDeadlineSeconds"] = 600;
        rollout["spec"]!["progressDeadlineAbort"] = true;
        return rollout;
    }

    private static AdmissionDecision Validate(JsonObject rollout, ReconcilerCoverage coverage, DeadlinePolicy? policy = null)
    {
        using var request = Reviews.Request(rollout);
        return new AdmissionDecider(coverage: coverage).Validate(request, policy ?? DeadlinePolicy.BuiltIn);
    }

    private static ReconcilerCoverage Running(params string[] namespaces) =>
        ReconcilerCoverage.From(new PitfallSettings { ReconcilerRunning = true, ReconcilerNamespaces = namespaces });

    public static TheoryData<string, ReconcilerCoverage, string, bool, string[], string[]> Coverages => new()
    {
        // name, coverage, namespace, pause limit in the policy, reported, covered by the reconciler
        { "no reconciler", ReconcilerCoverage.Absent, "team-a", true, ["DG101", "DG102", "DG104", "DG105"], [] },
        { "reconciler everywhere", Running(), "team-a", true, ["DG102"], ["DG101", "DG105"] },
        { "reconciler everywhere, no pause limit", Running(), "team-a", false, ["DG102", "DG104"], ["DG101", "DG105"] },
        { "reconciler in this namespace", Running("team-a"), "team-a", true, ["DG102"], ["DG101", "DG105"] },
        { "reconciler in another namespace", Running("team-b"), "team-a", true, ["DG101", "DG102", "DG104", "DG105"], [] },
    };

    [Theory]
    [MemberData(nameof(Coverages))]
    public void The_reconciler_covers_DG101_and_DG105_and_enforces_the_pause_limit_only_where_it_acts(
        string name, ReconcilerCoverage coverage, string @namespace, bool pauseLimit, string[] reported, string[] covered)
    {
        var decision = Validate(Rollout(@namespace), coverage, pauseLimit ? PauseLimit : DeadlinePolicy.BuiltIn);

        decision.Allowed.ShouldBeTrue(name);
        decision.Pitfalls.Findings.Select(f => f.Id).ShouldBe(reported, name);
        decision.Pitfalls.Suppressed.Select(s => (s.Finding.Id, s.Reason)).ShouldBe(covered.Select(id => (id, SuppressionReason.CoveredByReconciler)), name);
        decision.PitfallWarnings.Take(PitfallWarnings.MaxShown).Select(w => w.Split(" ")[0]).ShouldBe(reported.Take(PitfallWarnings.MaxShown), name);
        decision.PitfallWarnings.Count.ShouldBe(Math.Min(reported.Length, PitfallWarnings.MaxShown + 1), name);
    }

    [Fact]
    public void Review_reports_what_a_reconciler_would_cover_and_takes_the_policys_pause_limit_as_in_force()
    {
        var (_, validation) = new AdmissionDecider(coverage: Running()).Review(Rollout(), "team-a", "web", PauseLimit);

        validation.Pitfalls.Findings.Select(f => f.Id).ShouldBe(["DG101", "DG102", "DG105"]);
        validation.Pitfalls.Suppressed.ShouldBeEmpty();
    }

    [Fact]
    public void Review_judges_DG103_against_the_deadline_mutate_injects()
    {
        var rollout = Reviews.Rollout();
        rollout["spec"]!["template"]!["spec"]!["containers"]![0]!["startupProbe"] = new JsonObject { ["periodSeconds"] = 10, ["failureThreshold"] = 120 };

        var (mutation, validation) = new AdmissionDecider().Review(rollout, "team-a", "web", DeadlinePolicy.BuiltIn);

        mutation.Outcome.ShouldBe(Outcome.Patched);
        validation.Pitfalls.Findings.Select(f => f.Id).ShouldContain("DG103", "1200 s of start-up against the 600 injected");
    }

    [Fact]
    public void The_policy_and_the_annotation_suppress_their_ids_and_the_decision_is_unchanged()
    {
        var rollout = Rollout();
        rollout["metadata"]!["annotations"] = new JsonObject { ["deadline-guard.io/ignore-pitfalls"] = "dg104" };
        var policy = DeadlinePolicy.BuiltIn with { Pitfalls = new PitfallOptions(["DG102"]) };

        var decision = Validate(rollout, ReconcilerCoverage.Absent, policy);

        decision.Outcome.ShouldBe(Outcome.Allowed);
        decision.Warnings.ShouldBeEmpty("the policy's own warnings are untouched");
        decision.Pitfalls.Findings.Select(f => f.Id).ShouldBe(["DG101", "DG105"]);
        decision.Pitfalls.Suppressed.Select(s => (s.Finding.Id, s.Reason))
            .ShouldBe([("DG102", SuppressionReason.IgnoredByPolicy), ("DG104", SuppressionReason.IgnoredByAnnotation)]);
    }

    [Fact]
    public void A_workloadRef_rollout_without_a_template_is_judged_on_its_strategy_with_a_note_for_the_rest()
    {
        var rollout = Rollout();
        rollout["spec"]!.AsObject().Remove("template");
        rollout["spec"]!["workloadRef"] = new JsonObject { ["apiVersion"] = "apps/v1", ["kind"] = "Deployment", ["name"] = "web" };

        var decision = Validate(rollout, ReconcilerCoverage.Absent);

        decision.Pitfalls.Findings.Select(f => f.Id).ShouldBe(["DG101", "DG104", "DG105"]);
        decision.Pitfalls.Notes.ShouldHaveSingleItem().ShouldContain("Deployment/web");
    }

    [Fact]
    public void A_workloadRef_rollout_that_holds_a_template_has_the_template_judged()
    {
        var rollout = Rollout();
        rollout["spec"]!["workloadRef"] = new JsonObject { ["apiVersion"] = "apps/v1", ["kind"] = "Deployment", ["name"] = "web" };

        var decision = Validate(rollout, ReconcilerCoverage.Absent);

        decision.Pitfalls.Findings.Select(f => f.Id).ShouldContain("DG102");
        decision.Pitfalls.Notes.ShouldBeEmpty();
    }

    [Fact]
    public void A_denial_carries_the_pitfalls_and_they_never_change_it()
    {
        var rollout = Rollout();
        rollout["spec"]!["progressDeadlineSeconds"] = 5;

        var decision = Validate(rollout, ReconcilerCoverage.Absent);

        decision.Outcome.ShouldBe(Outcome.Denied);
        decision.Violations.Select(v => v.Field).ShouldBe(["spec.progressDeadlineSeconds"]);
        decision.Pitfalls.Findings.Select(f => f.Id).ShouldBe(["DG101", "DG102", "DG104", "DG105"]);
    }

    [Fact]
    public void Mutate_looks_for_no_pitfalls()
    {
        using var request = Reviews.Request(Rollout());

        var decision = new AdmissionDecider().Mutate(request, DeadlinePolicy.BuiltIn);

        decision.Pitfalls.ShouldBeSameAs(PitfallReport.Empty);
        decision.PitfallWarnings.ShouldBeEmpty();
    }

    [Theory]
    [InlineData(new[] { "team-a", "team-b" }, true)]
    [InlineData(new[] { "team-*" }, false)]
    [InlineData(new[] { "" }, false)]
    [InlineData(new[] { "Team-A" }, false)]
    public void The_reconcilers_namespaces_must_be_namespace_names(string[] namespaces, bool valid)
    {
        var result = new PitfallSettingsValidator().Validate(new PitfallSettings { ReconcilerRunning = true, ReconcilerNamespaces = namespaces });

        result.IsValid.ShouldBe(valid, string.Join("; ", result.Errors));
    }
}

using DeadlineGuard.Pitfalls;
using DeadlineGuard.Tests.Fixtures;
using DeadlineGuard.Tests.Support;

namespace DeadlineGuard.Tests.Pitfalls;

/// <summary>The upstream Argo Rollouts example manifests, judged with nothing to protect them (as <c>review</c> does).</summary>
public sealed class ArgoFixturePitfallTests
{
    /// <summary>What each upstream Rollout document shows, and why (docs/pitfalls.md).</summary>
    private static readonly Dictionary<(string File, int Document), string[]> Expected = new()
    {
        // canary, no readinessProbe; an analysis step is not a pause
        [("rollout-analysis-step.yaml", 1)] = ["DG102"],

        // canary with pause: {}, no readinessProbe
        [("rollout-basic.yaml", 1)] = ["DG102", "DG104"],

        // BlueGreen: abortScaleDownDelaySeconds unset (30), autoPromotionEnabled: false, no readinessProbe
        [("rollout-bluegreen.yaml", 1)] = ["DG101", "DG102", "DG104"],

        // progressDeadlineSeconds 5 under readinessProbe initialDelaySeconds 10; pause: {}
        [("rollout-canary-with-pause.yaml", 4)] = ["DG103", "DG104"],

        // first step pause: {}, then timed pauses; no readinessProbe
        [("rollout-canary.yaml", 1)] = ["DG102", "DG104"],

        // canary without steps; no readinessProbe
        [("rollout-rolling-update.yaml", 1)] = ["DG102"],

        // workloadRef: the template is in the Deployment (a note), the pause has a duration
        [("rollout-template-ref.yaml", 2)] = [],

        // BlueGreen that auto-promotes: abortScaleDownDelaySeconds unset (30), no readinessProbe
        [("bluegreen-duration-template.yaml", 3)] = ["DG101", "DG102"],

        // canary: {} with a container asking for "memory: invalid": judged like any other
        [("malformed-rollout.yaml", 1)] = ["DG102"],
    };

    public static TheoryData<string, int> All() => ArgoFixtureRollouts.All();

    [SkippableTheory]
    [MemberData(nameof(All))]
    public void Each_upstream_Rollout_shows_its_expected_pitfalls(string file, int document)
    {
        TestPaths.RequireArgoFixtures();
        Expected.ShouldContainKey((file, document), $"{file} document {document} has no expectation: add one");

        var report = PitfallDetector.Detect(PitfallRollouts.Element(ArgoFixtureRollouts.Load(file, document)), PitfallContext.Unprotected);

        report.Ids.ShouldBe(Expected[(file, document)]);
        report.Findings.ShouldAllBe(f => f.Warning.Length < 120);
    }

    [SkippableFact]
    public void The_workloadRef_example_says_its_template_was_not_judged()
    {
        TestPaths.RequireArgoFixtures();

        var report = PitfallDetector.Detect(PitfallRollouts.Element(ArgoFixtureRollouts.Load("rollout-template-ref.yaml", 2)), PitfallContext.Unprotected);

        report.Notes.ShouldBe(["the pod template is in Deployment/rollout-ref-deployment (spec.workloadRef), not in this manifest: DG102 and DG103 were not judged"]);
    }

    [SkippableFact]
    public void With_the_reconciler_and_a_pause_limit_the_BlueGreen_example_keeps_only_DG102()
    {
        TestPaths.RequireArgoFixtures();
        var context = new PitfallContext(600, 3600, ReconcilerCovers: true, IgnoredIds: []);

        var report = PitfallDetector.Detect(PitfallRollouts.Element(ArgoFixtureRollouts.Load("rollout-bluegreen.yaml", 1)), context);

        report.Ids.ShouldBe(["DG102"]);
        report.Suppressed.ShouldHaveSingleItem().Reason.ShouldBe(SuppressionReason.CoveredByReconciler);
    }
}

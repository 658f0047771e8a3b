using System.Text.Json.Nodes;
using CsCheck;
using DeadlineGuard.Pitfalls;
using Xunit.Abstractions;

namespace DeadlineGuard.Tests.Pitfalls;

/// <summary>Invariants of the pitfall detector over generated Rollouts of every shape (DESIGN.md §5a).</summary>
public sealed class PitfallProperties(ITestOutputHelper output)
{
    private const long Iterations = 2000;

    private static PitfallReport Detect(JsonObject rollout, PitfallContext context) =>
        PitfallDetector.Detect(PitfallRollouts.Element(rollout), context);

    private void Sample(Gen<JsonObject> rollouts, Action<JsonObject, PitfallContext> property) =>
        Gen.Select(rollouts, PitfallGen.Context).Sample(
            (rollout, context) => property(rollout, context),
            iter: Iterations,
            writeLine: output.WriteLine,
            print: t => $"context {t.Item2}; rollout {t.Item1.ToJsonString()}");

    [Fact]
    public void The_detector_never_throws_and_its_report_keeps_its_promises()
    {
        Sample(PitfallGen.Rollout, (rollout, context) =>
        {
            var report = Detect(rollout, context);

            // Plain checks: Shouldly's expression-based ShouldAllBe compiles its lambda on every call.
            var all = report.Findings.Concat(report.Suppressed.Select(s => s.Finding)).ToList();
            all.Select(f => f.Id).Distinct().Count().ShouldBe(all.Count, "one finding per id");
            foreach (var f in all)
            {
                PitfallCatalog.Find(f.Id)?.Severity.ShouldBe(f.Severity, f.Id);
                f.Warning.StartsWith(f.Id + " ", StringComparison.Ordinal).ShouldBeTrue(f.Warning);
                f.Warning.Length.ShouldBeLessThan(120, f.Warning);
                f.Explanation.ShouldNotBeEmpty();
            }

            report.Findings.ShouldBe(report.Findings.OrderByDescending(f => f.Severity).ThenBy(f => f.Id, StringComparer.Ordinal));
            var lines = PitfallWarnings.ForAdmission(report.Findings);
            lines.Count.ShouldBeLessThanOrEqualTo(PitfallWarnings.MaxShown + 1);
            foreach (var line in lines)
            {
                line.Length.ShouldBeLessThan(120, line);
            }
        });
    }

    [Fact]
    public void The_generator_reaches_every_pitfall_and_every_kind_of_note()
    {
        var seen = new HashSet<string>();
        var notes = new HashSet<string>();
        PitfallGen.Rollout.Sample(
            rollout =>
            {
                var report = Detect(rollout, PitfallContext.Unprotected);
                seen.UnionWith(report.Ids);
                notes.UnionWith(report.Notes.Select(n => n.Split(':')[0]));
            },
            iter: Iterations,
            threads: 1);

        seen.ShouldBe(PitfallCatalog.All.Select(d => d.Id), ignoreOrder: true);
        notes.ShouldContain(n => n.StartsWith("DG103 not judged for container", StringComparison.Ordinal));
        notes.ShouldContain(n => n.StartsWith("spec.template.spec.containers is not a list", StringComparison.Ordinal));
        notes.ShouldContain(n => n.StartsWith("the pod template is in Deployment/", StringComparison.Ordinal));
        notes.ShouldContain(n => n.StartsWith("annotation deadline-guard.io/ignore-pitfalls is", StringComparison.Ordinal));
    }

    [Fact]
    public void Ignoring_every_id_in_the_policy_reports_nothing_and_suppresses_what_was_found()
    {
        Sample(PitfallGen.Rollout, (rollout, context) =>
        {
            var found = Detect(rollout, context with { ReconcilerCovers = false, IgnoredIds = [] });
            var ignored = Detect(rollout, context with { ReconcilerCovers = false, IgnoredIds = [.. PitfallCatalog.All.Select(d => d.Id)] });

            ignored.Findings.ShouldBeEmpty();
            ignored.Suppressed.Select(s => (s.Finding.Id, s.Finding.Warning)).ShouldBe(found.Findings.Concat(found.Suppressed.Select(s => s.Finding))
                .OrderByDescending(f => f.Severity).ThenBy(f => f.Id, StringComparer.Ordinal).Select(f => (f.Id, f.Warning)));
        });
    }

    [Fact]
    public void Detecting_from_spec_and_annotation_alone_finds_what_detecting_from_the_whole_object_finds()
    {
        // Admission parses only those two parts of the object (AdmissionPitfalls); the result must not depend on it.
        Sample(PitfallGen.Rollout, (rollout, context) =>
        {
            var element = PitfallRollouts.Element(rollout);
            var whole = PitfallDetector.Detect(element, context);
            var parts = element.ValueKind != System.Text.Json.JsonValueKind.Object
                ? whole
                : PitfallDetector.Detect(
                    element.TryGetProperty("spec", out var spec) ? spec : null,
                    element.TryGetProperty("metadata", out var metadata) && metadata.ValueKind == System.Text.Json.JsonValueKind.Object
                        && metadata.TryGetProperty("annotations", out var annotations) && annotations.ValueKind == System.Text.Json.JsonValueKind.Object
                        && annotations.TryGetProperty(PitfallDetector.IgnoreAnnotation, out var ignore) ? ignore : null,
                    context);

            parts.Findings.Select(f => (f.Id, f.Warning, f.Explanation)).ShouldBe(whole.Findings.Select(f => (f.Id, f.Warning, f.Explanation)));
            parts.Suppressed.Select(f => (f.Finding.Id, f.Reason)).ShouldBe(whole.Suppressed.Select(f => (f.Finding.Id, f.Reason)));
            parts.Notes.ShouldBe(whole.Notes);
        });
    }

    [Fact]
    public void Probes_with_only_unusable_numbers_never_give_DG103()
    {
        Sample(PitfallGen.WithUnusableProbes, (rollout, context) =>
        {
            var report = Detect(rollout, context with { IgnoredIds = [] });

            report.Ids.ShouldNotContain(PitfallCatalog.DeadlineShorterThanStartup);
        });
    }

    [Fact]
    public void The_reconciler_only_ever_suppresses_DG101_and_DG105()
    {
        Sample(PitfallGen.Rollout, (rollout, context) =>
        {
            var report = Detect(rollout, context with { ReconcilerCovers = true });

            foreach (var covered in report.Suppressed.Where(s => s.Reason == SuppressionReason.CoveredByReconciler))
            {
                covered.Finding.Id.ShouldBeOneOf("DG101", "DG105");
            }

            report.Ids.ShouldNotContain("DG101");
            report.Ids.ShouldNotContain("DG105");
        });
    }
}

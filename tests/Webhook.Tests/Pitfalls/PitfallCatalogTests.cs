using System.Text.RegularExpressions;
using DeadlineGuard.Pitfalls;
using DeadlineGuard.Tests.Support;

namespace DeadlineGuard.Tests.Pitfalls;

public sealed partial class PitfallCatalogTests
{
    [Fact]
    public void Ids_are_unique_and_shaped_DG1nn()
    {
        var ids = PitfallCatalog.All.Select(d => d.Id).ToList();

        ids.ShouldBeUnique();
        ids.ShouldAllBe(id => IdShape().IsMatch(id));
    }

    [Fact]
    public void Only_DG101_and_DG105_are_covered_by_the_reconciler()
    {
        PitfallCatalog.All.Where(d => d.CoveredByReconciler).Select(d => d.Id).ShouldBe(["DG101", "DG105"]);
    }

    [Theory]
    [InlineData("DG102", "DG102")]
    [InlineData("dg102", "DG102")]
    [InlineData("  DG104\t", "DG104")]
    [InlineData("DG999", null)]
    [InlineData("", null)]
    [InlineData(null, null)]
    public void Find_matches_ids_ignoring_case_and_spaces(string? id, string? expected)
    {
        PitfallCatalog.Find(id)?.Id.ShouldBe(expected);
        (PitfallCatalog.Find(id) is null).ShouldBe(expected is null);
    }

    [Fact]
    public void The_docs_have_a_section_per_id_with_its_severity()
    {
        var doc = File.ReadAllText(Path.Combine(TestPaths.RepositoryRoot, "docs", "pitfalls.md"));

        foreach (var definition in PitfallCatalog.All)
        {
            doc.ShouldContain($"## {definition.Id} ", customMessage: $"docs/pitfalls.md lacks a section for {definition.Id}");
            doc.ShouldContain($"**Severity:** {definition.Severity.ToString().ToLowerInvariant()}", customMessage: definition.Id);
        }
    }

    [Fact]
    public void The_detector_uses_no_other_part_of_the_program()
    {
        var folder = Path.Combine(TestPaths.RepositoryRoot, "src", "Webhook", "Pitfalls");

        foreach (var file in Directory.EnumerateFiles(folder, "*.cs"))
        {
            OtherNamespace().Matches(File.ReadAllText(file)).Select(m => m.Value).ShouldBeEmpty(Path.GetFileName(file));
        }
    }

    [GeneratedRegex(@"DeadlineGuard\.(?!Pitfalls\b)[A-Za-z]+")]
    private static partial Regex OtherNamespace();

    [GeneratedRegex("^DG1[0-9]{2}$")]
    private static partial Regex IdShape();
}

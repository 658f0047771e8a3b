using DeadlineGuard.Pitfalls;

namespace DeadlineGuard.Tests.Pitfalls;

public sealed class PitfallWarningsTests
{
    private static PitfallFinding Finding(string id) =>
        new(id, PitfallCatalog.Find(id)!.Severity, $"{id} {new string('x', 200)}", () => "why");

    private static List<PitfallFinding> Findings(params string[] ids) => [.. ids.Select(Finding)];

    [Fact]
    public void Three_or_fewer_findings_are_all_spelled_out()
    {
        var lines = PitfallWarnings.ForAdmission(Findings("DG101", "DG102", "DG103"));

        lines.Count.ShouldBe(3);
        lines.Select(l => l[..5]).ShouldBe(["DG101", "DG102", "DG103"]);
    }

    [Fact]
    public void A_fourth_finding_becomes_one_more_line()
    {
        var lines = PitfallWarnings.ForAdmission(Findings("DG101", "DG102", "DG103", "DG104"));

        lines.Count.ShouldBe(4);
        lines[3].ShouldBe("and 1 more pitfall: DG104 (webhook review explains each)");
    }

    [Fact]
    public void Five_findings_show_three_then_and_2_more()
    {
        var lines = PitfallWarnings.ForAdmission(Findings("DG101", "DG102", "DG103", "DG104", "DG105"));

        lines.Count.ShouldBe(4);
        lines[3].ShouldBe("and 2 more pitfalls: DG104, DG105 (webhook review explains each)");
    }

    [Fact]
    public void Every_line_is_under_120_characters_even_for_an_overlong_warning()
    {
        var lines = PitfallWarnings.ForAdmission(Findings("DG101", "DG102", "DG103", "DG104", "DG105", "DG100"));

        lines.ShouldAllBe(l => l.Length < 120);
        lines[0].ShouldEndWith("…");
    }

    [Fact]
    public void No_findings_give_no_lines()
    {
        PitfallWarnings.ForAdmission([]).ShouldBeEmpty();
    }
}

using System.Globalization;

namespace DeadlineGuard.Pitfalls;

/// <summary>Pitfall findings as admission warnings: a few lines, each under 120 characters.</summary>
public static class PitfallWarnings
{
    /// <summary>At most this many findings are spelled out in one admission answer.</summary>
    public const int MaxShown = 3;

    /// <summary>
    /// The first <see cref="MaxShown"/> findings' warnings (they come most severe first), then one line
    /// "and N more pitfalls: ids" when there are more.
    /// </summary>
    public static IReadOnlyList<string> ForAdmission(IReadOnlyList<PitfallFinding> findings)
    {
        ArgumentNullException.ThrowIfNull(findings);
        var lines = findings.Take(MaxShown).Select(f => PitfallText.Fit(f.Warning)).ToList();
        var rest = findings.Skip(MaxShown).Select(f => f.Id).ToList();
        if (rest.Count > 0)
        {
            var count = rest.Count.ToString(CultureInfo.InvariantCulture);
            lines.Add(PitfallText.Fit($"and {count} more {(rest.Count == 1 ? "pitfall" : "pitfalls")}: {string.Join(", ", rest)} (webhook review explains each)"));
        }

        return lines;
    }
}

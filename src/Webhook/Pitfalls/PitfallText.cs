using System.Text;

namespace DeadlineGuard.Pitfalls;

/// <summary>Text helpers that keep warnings to one short line whatever names the Rollout carries.</summary>
internal static class PitfallText
{
    /// <summary>Admission warnings must stay under this many characters (DESIGN.md §5a).</summary>
    public const int MaxWarningLength = 119;

    /// <summary>A user-supplied string made safe for one line: control characters become '?', long text ends in '…'.</summary>
    public static string Clip(string text, int max)
    {
        if (text.Length <= max && !NeedsReplacing(text))
        {
            return text;
        }

        var builder = new StringBuilder(Math.Min(text.Length, max));
        foreach (var c in text)
        {
            if (builder.Length == max - 1 && text.Length > max)
            {
                builder.Append('…');
                break;
            }

            builder.Append(char.IsControl(c) || char.IsSurrogate(c) || c is '\u2028' or '\u2029' ? '?' : c);
        }

        return builder.ToString();
    }

    private static bool NeedsReplacing(string text)
    {
        foreach (var c in text)
        {
            if (char.IsControl(c) || char.IsSurrogate(c) || c is '\u2028' or '\u2029')
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The warning itself when it fits, else cut to fit with '…'.</summary>
    public static string Fit(string warning) =>
        warning.Length <= MaxWarningLength ? warning : string.Concat(warning.AsSpan(0, MaxWarningLength - 1), "…");

    /// <summary>
    /// "a, b, c" when the line built around it fits; else the first names and "+N more". Names are clipped to 20
    /// characters, then to 8 if even one does not fit.
    /// </summary>
    public static string NameList(IReadOnlyList<string> names, Func<string, string> line)
    {
        foreach (var width in (ReadOnlySpan<int>)[20, 8])
        {
            for (var shown = names.Count; shown >= 1; shown--)
            {
                var list = string.Join(", ", names.Take(shown).Select(n => Clip(n, width)));
                if (shown < names.Count)
                {
                    list += $" +{names.Count - shown} more";
                }

                if (line(list).Length <= MaxWarningLength)
                {
                    return list;
                }
            }
        }

        return $"{Clip(names[0], 8)} +{names.Count - 1} more";
    }

    /// <summary>How to silence a pitfall, and where it is documented: the last sentence of every explanation.</summary>
    public static string Silence(string id) =>
        $"To accept it: policy pitfalls.ignore: [{id}], or annotation {RolloutView.IgnoreAnnotationKey}: {id} on this Rollout. " +
        $"See {PitfallCatalog.Get(id).DocsAnchor}.";
}

using System.Globalization;
using System.Text;

namespace DeadlineGuard.Export;

/// <summary>Pieces of CEL source: literals, and the RE2 expressions that namespace globs become.</summary>
public static class CelText
{
    /// <summary>A CEL string literal (single quotes) that evaluates to <paramref name="value"/>.</summary>
    public static string Quote(string value)
    {
        var text = new StringBuilder(value.Length + 2).Append('\'');
        foreach (var c in value)
        {
            var escape = c switch
            {
                '\\' => @"\\",
                '\'' => @"\'",
                '\n' => @"\n",
                '\r' => @"\r",
                '\t' => @"\t",
                _ => null,
            };
            if (escape is not null)
            {
                text.Append(escape);
            }
            else if (c is < ' ' or '\u007f')
            {
                text.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
            }
            else
            {
                text.Append(c);
            }
        }

        return text.Append('\'').ToString();
    }

    public static string Int(long value) => value.ToString(CultureInfo.InvariantCulture);

    public static string Bool(bool value) => value ? "true" : "false";

    /// <summary>
    /// An RE2 expression that matches a whole name exactly when one of <paramref name="globs"/> does
    /// (<see cref="Policy.NamespaceGlob"/>: '*' any run of characters, '?' one character). <paramref name="path"/>
    /// names the list in the policy, for the error.
    /// </summary>
    public static string GlobsRegex(IReadOnlyList<string> globs, string path)
    {
        var alternatives = new List<string>(globs.Count);
        for (var i = 0; i < globs.Count; i++)
        {
            alternatives.Add(GlobRegex(globs[i], $"{path}[{i}]"));
        }

        return "^(" + string.Join('|', alternatives) + ")$";
    }

    /// <summary>
    /// One glob as RE2. Letters, digits, '_', '-' and spaces stand for themselves (none is special outside a character class), other printable ASCII is escaped with '\'.
    /// Anything else is refused: RE2 matches code points and '.' skips a line break, while the webhook compares
    /// UTF-16 characters, so '?' next to such a character would not mean the same.
    /// </summary>
    private static string GlobRegex(string glob, string path)
    {
        var regex = new StringBuilder(glob.Length + 8);
        foreach (var c in glob)
        {
            switch (c)
            {
                case '*':
                    regex.Append(".*");
                    break;
                case '?':
                    regex.Append('.');
                    break;
                case ' ' or '_' or '-' or (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9'):
                    regex.Append(c);
                    break;
                case > ' ' and < '\u007f':
                    regex.Append('\\').Append(c);
                    break;
                default:
                    throw new ExportException(path, $"\"{glob}\" cannot be written as a CEL regular expression with the same meaning: " +
                        $"it holds U+{(int)c:X4}, and only printable ASCII characters match alike in RE2 and in the webhook's globs");
            }
        }

        return regex.ToString();
    }
}

namespace DeadlineGuard.Policy;

/// <summary>Namespace name globs: '*' matches any run of characters, '?' exactly one.</summary>
public static class NamespaceGlob
{
    public static bool IsMatch(string pattern, string name) => Match(pattern.AsSpan(), name.AsSpan());

    public static bool MatchesAny(IReadOnlyList<string> patterns, string name)
    {
        for (var i = 0; i < patterns.Count; i++)
        {
            if (IsMatch(patterns[i], name))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A glob is valid when, with its wildcards taken as letters, it could be a namespace name.</summary>
    public static bool IsValid(string pattern)
    {
        if (pattern.Length is 0 or > 63)
        {
            return false;
        }

        foreach (var c in pattern)
        {
            if (!(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '*' or '?'))
            {
                return false;
            }
        }

        return true;
    }

    // Iterative wildcard match with single-star backtracking: linear in practice, no regex.
    private static bool Match(ReadOnlySpan<char> pattern, ReadOnlySpan<char> name)
    {
        int p = 0, n = 0, star = -1, mark = 0;
        while (n < name.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' || pattern[p] == name[n]))
            {
                p++;
                n++;
            }
            else if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                mark = n;
            }
            else if (star >= 0)
            {
                p = star + 1;
                n = ++mark;
            }
            else
            {
                return false;
            }
        }

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }
}

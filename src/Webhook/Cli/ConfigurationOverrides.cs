namespace DeadlineGuard.Cli;

/// <summary>
/// The <c>--Section:Key=value</c> settings on the command line of the commands that read .NET configuration, as the
/// parser leaves them (every word it does not know, in order). Each becomes one <c>--Section:Key=value</c> argument
/// for .NET's command-line configuration provider; <c>--Section:Key value</c> (two words) is accepted too, as that
/// provider accepts it. A key names a section (it has a colon): a word such as <c>--polcy</c> is an unknown option,
/// not a setting nobody reads.
/// </summary>
public static class ConfigurationOverrides
{
    /// <summary>How the settings appear in usage lines (in brackets: they are optional).</summary>
    public const string UsageLabel = "--Section:Key=value ...";

    /// <summary>The settings as <c>--Key=value</c> arguments, or the first word that is not one, named in one line.</summary>
    public static (IReadOnlyList<string> Settings, string? Problem) Normalize(IReadOnlyList<string> words)
    {
        ArgumentNullException.ThrowIfNull(words);
        var settings = new List<string>(words.Count);
        for (var i = 0; i < words.Count; i++)
        {
            var word = words[i];
            var equals = word.IndexOf('=', StringComparison.Ordinal);
            var key = equals < 0 ? word : word[..equals];
            if (!IsKey(key))
            {
                return (settings, word.StartsWith('-') && word != "-" ? $"unknown option '{word}'" : $"unexpected argument '{word}'");
            }

            if (equals >= 0)
            {
                settings.Add(word);
            }
            else if (i + 1 < words.Count && !words[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                settings.Add($"{word}={words[++i]}");
            }
            else
            {
                return (settings, $"{word} needs a value ({word}=VALUE)");
            }
        }

        return (settings, null);
    }

    /// <summary><c>--Section:Key</c>, <c>--Section:Sub:Key</c>, <c>--Section:List:0</c>: sections and keys not empty, no spaces.</summary>
    public static bool IsKey(string word)
    {
        ArgumentNullException.ThrowIfNull(word);
        if (!word.StartsWith("--", StringComparison.Ordinal) || word.Length < 5)
        {
            return false;
        }

        var parts = word[2..].Split(':');
        return parts.Length >= 2 && parts.All(p => p.Length > 0 && !p.Any(char.IsWhiteSpace) && !p.StartsWith('-'));
    }
}

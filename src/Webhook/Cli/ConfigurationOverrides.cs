namespace DeadlineGuard.Cli;

/// <summary>
/// The <c>--Section:Key=value</c> settings on the command line of the commands that read .NET configuration, as the
/// parser leaves them (every word it does not know, in order). Each becomes one <c>--Key=value</c> argument for .NET's
/// command-line configuration provider. With <c>=</c> any key is a setting, as that provider reads it (the host's own
/// <c>--environment=Development</c>, which WebApplicationFactory passes, included). Without <c>=</c> the value is the
/// next word, as the provider also accepts, but only for a key with a section (<c>--Section:Key value</c>) or one of
/// the host's keys: a bare word such as <c>--polcy</c> or <c>--dry-run</c> is an unknown option, not a setting
/// nobody reads.
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
            if (!IsKey(key) || (equals < 0 && !key.Contains(':', StringComparison.Ordinal) && !HostKeys.Contains(key[2..])))
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

    /// <summary>The generic host's own keys (HostDefaults), which name no section.</summary>
    private static readonly HashSet<string> HostKeys = new(["environment", "applicationName", "contentRoot"], StringComparer.OrdinalIgnoreCase);

    /// <summary><c>--Key</c>, <c>--Section:Key</c>, <c>--Section:List:0</c>: each part not empty, no spaces, not starting with a dash.</summary>
    public static bool IsKey(string word)
    {
        ArgumentNullException.ThrowIfNull(word);
        if (!word.StartsWith("--", StringComparison.Ordinal) || word.Length < 3)
        {
            return false;
        }

        return word[2..].Split(':').All(p => p.Length > 0 && !p.Any(char.IsWhiteSpace) && !p.StartsWith('-'));
    }
}

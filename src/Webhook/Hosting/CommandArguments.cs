namespace DeadlineGuard.Hosting;

/// <summary>
/// The program's arguments as .NET configuration reads them. The command line (DeadlineGuard.Cli) hands the hosts
/// settings already in the <c>--Key=value</c> form; a host built directly (tests) may still pass the friendly flag,
/// which becomes its configuration key here: <c>--policy F</c> is <c>--Policy:File=F</c>.
/// </summary>
public static class CommandArguments
{
    /// <summary>The configuration key <c>--policy</c> sets.</summary>
    public const string PolicyFileKey = "Policy:File";

    /// <summary>The configuration key <c>--urls</c> sets (ASP.NET Core's listen addresses, also ASPNETCORE_URLS).</summary>
    public const string UrlsKey = "urls";

    private static readonly Dictionary<string, string> Aliases = new(StringComparer.Ordinal)
    {
        ["--policy"] = PolicyFileKey,
    };

    /// <summary>One setting as a command-line configuration argument.</summary>
    public static string Setting(string key, string value) => $"--{key}={value}";

    public static string[] Normalize(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var result = new List<string>(args.Length);
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            var equals = arg.IndexOf('=', StringComparison.Ordinal);
            var flag = equals < 0 ? arg : arg[..equals];
            if (Aliases.TryGetValue(flag, out var key))
            {
                var value = equals >= 0 ? arg[(equals + 1)..] : i + 1 < args.Length ? args[++i] : string.Empty;
                result.Add(Setting(key, value));
            }
            else
            {
                result.Add(arg);
            }
        }

        return [.. result];
    }
}

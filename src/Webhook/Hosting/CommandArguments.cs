namespace DeadlineGuard.Hosting;

/// <summary>Turns the friendly flags into .NET configuration overrides (<c>--policy F</c> is <c>--Policy:File=F</c>).</summary>
public static class CommandArguments
{
    private static readonly Dictionary<string, string> Aliases = new(StringComparer.Ordinal)
    {
        ["--policy"] = "Policy:File",
    };

    public static string[] Normalize(string[] args)
    {
        var result = new List<string>(args.Length);
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            var equals = arg.IndexOf('=', StringComparison.Ordinal);
            var flag = equals < 0 ? arg : arg[..equals];
            if (Aliases.TryGetValue(flag, out var key))
            {
                var value = equals >= 0 ? arg[(equals + 1)..] : i + 1 < args.Length ? args[++i] : string.Empty;
                result.Add($"--{key}={value}");
            }
            else
            {
                result.Add(arg);
            }
        }

        return [.. result];
    }
}

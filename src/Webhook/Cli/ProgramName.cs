namespace DeadlineGuard.Cli;

/// <summary>
/// The name the program was called by, for usage lines and help: <c>webhook</c>, or <c>kubectl deadline-guard</c>
/// when it runs as a kubectl plugin. kubectl maps <c>kubectl deadline-guard ARGS</c> to the first executable named
/// <c>kubectl-deadline_guard</c> on PATH (dashes in the command become underscores in the file name) and executes it
/// with that path as argv[0] and ARGS after it (kubectl pkg/cmd/plugin.go, HandlePluginCommand and
/// DefaultPluginHandler.Execute). <c>kubectl-deadline-guard</c> is accepted too, for a copy run directly.
/// </summary>
public static class ProgramName
{
    public const string Default = "webhook";

    public const string KubectlPlugin = "kubectl deadline-guard";

    /// <summary>The executable names kubectl's plugin naming gives this program.</summary>
    public static readonly IReadOnlyList<string> PluginFileNames = ["kubectl-deadline_guard", "kubectl-deadline-guard"];

    /// <summary>The program name for an argv[0] (a path or a bare name, with or without .exe); <see cref="Default"/> for anything else.</summary>
    public static string FromArgv0(string? argv0)
    {
        if (string.IsNullOrEmpty(argv0))
        {
            return Default;
        }

        var file = argv0[(argv0.LastIndexOfAny(['/', '\\']) + 1)..];
        if (file.EndsWith(".exe", StringComparison.OrdinalIgnoreCase))
        {
            file = file[..^4];
        }

        return PluginFileNames.Contains(file, StringComparer.Ordinal) ? KubectlPlugin : Default;
    }

    /// <summary>
    /// The name of this process. On Linux argv[0] as the caller gave it comes from /proc/self/cmdline: .NET resolves
    /// symbolic links in <see cref="Environment.ProcessPath"/> and gives the assembly's path as the first of
    /// <see cref="Environment.GetCommandLineArgs"/>, so neither shows a link named for kubectl. Elsewhere the first
    /// command-line argument is the best there is (a single-file executable's own path).
    /// </summary>
    public static string Current() => FromArgv0(ReadArgv0() ?? Environment.GetCommandLineArgs().FirstOrDefault());

    private static string? ReadArgv0()
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        try
        {
            var cmdline = File.ReadAllText("/proc/self/cmdline");
            var end = cmdline.IndexOf('\0', StringComparison.Ordinal);
            return end > 0 ? cmdline[..end] : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}

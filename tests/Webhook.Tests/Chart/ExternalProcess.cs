using System.Diagnostics;
using System.Text;

namespace DeadlineGuard.Tests.Chart;

/// <summary>What a finished program printed and returned.</summary>
public sealed record ProcessOutcome(int ExitCode, string Stdout, string Stderr)
{
    /// <summary>The program's own words, for a failure message: stderr, else stdout, trimmed.</summary>
    public string Said => (Stderr.Trim().Length > 0 ? Stderr : Stdout).Trim();
}

/// <summary>Runs a program (helm, npm, node) to completion with a time limit; output is captured, never inherited.</summary>
public static class ExternalProcess
{
    /// <summary>
    /// Runs <paramref name="file"/> with <paramref name="arguments"/> (passed as a list, never through a shell) and returns
    /// its exit code and output. After <paramref name="timeout"/> the program and its children are killed and a
    /// <see cref="TimeoutException"/> names the command.
    /// </summary>
    public static ProcessOutcome Run(
        string file,
        IEnumerable<string> arguments,
        TimeSpan timeout,
        string? workingDirectory = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {file}");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            throw new TimeoutException($"`{Describe(file, start.ArgumentList)}` did not finish within {timeout.TotalSeconds:0} s and was stopped");
        }

        process.WaitForExit(); // drains the redirected streams
        return new ProcessOutcome(process.ExitCode, stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult());
    }

    /// <summary>The full path of an executable found on PATH, or null.</summary>
    public static string? FindOnPath(string name)
    {
        foreach (var folder in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(folder, name);
            if (File.Exists(candidate) && (OperatingSystem.IsWindows() || (File.GetUnixFileMode(candidate) & UnixFileMode.UserExecute) != 0))
            {
                return candidate;
            }
        }

        return null;
    }

    public static string Describe(string file, IEnumerable<string> arguments) =>
        string.Join(' ', new[] { Path.GetFileName(file) }.Concat(arguments.Select(a => a.Contains(' ', StringComparison.Ordinal) ? $"'{a}'" : a)));
}

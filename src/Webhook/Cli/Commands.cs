namespace DeadlineGuard.Cli;

/// <summary>The program's exit codes (DESIGN.md §1) and its entry point for tests.</summary>
public static class Commands
{
    /// <summary>Done: a clean shutdown, every Rollout allowed, the history printed, the certificates in order.</summary>
    public const int Ok = 0;

    /// <summary><c>review</c>: at least one Rollout would be denied. The same number as <see cref="Failed"/>.</summary>
    public const int Denied = 1;

    /// <summary>
    /// A failure after a good start: a host stopped by a fault, the Kubernetes API failing <c>certs</c>. The same
    /// number as <see cref="Denied"/>: each command has only one of the two.
    /// </summary>
    public const int Failed = 1;

    /// <summary>The user's input: a usage error, unreadable input, bad configuration, no reachable cluster.</summary>
    public const int Usage = 2;

    /// <summary>Runs a command line as the program called "webhook" would (<see cref="CommandLine"/>).</summary>
    public static Task<int> RunAsync(string[] args, TextReader stdin, TextWriter stdout, TextWriter stderr) =>
        CommandLine.RunAsync(args, new CommandContext(stdin, stdout, stderr, ProgramName.Default));
}

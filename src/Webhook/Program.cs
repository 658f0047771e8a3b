using DeadlineGuard.Cli;
using DeadlineGuard.Hosting;

namespace DeadlineGuard;

/// <summary>Entry point: the command line (Cli/CommandLine.cs) picks the subcommand; each command wires its own pieces.</summary>
public partial class Program
{
    public static Task<int> Main(string[] args)
    {
        // Before anything builds an X.509 chain (TLS, Kubernetes client): see HomeDirectory.
        HomeDirectory.EnsureForRuntime();
        return CommandLine.RunAsync(args, new CommandContext(Console.In, Console.Out, Console.Error, ProgramName.Current()));
    }
}

using DeadlineGuard.Cli;

namespace DeadlineGuard;

/// <summary>Entry point: picks the subcommand; each command wires its own pieces.</summary>
public partial class Program
{
    public static Task<int> Main(string[] args) =>
        Commands.RunAsync(args, Console.In, Console.Out, Console.Error);
}

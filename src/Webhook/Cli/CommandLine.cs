using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.Reflection;

namespace DeadlineGuard.Cli;

/// <summary>
/// The command line, defined once (System.CommandLine): the subcommands, their options and arguments, which the
/// parser reads and <see cref="HelpWriter"/> prints. No command, or an option first, means <c>serve</c>. A usage
/// error is one line naming the problem and where the help is, exit code 2.
/// </summary>
public static class CommandLine
{
    public const string Summary = "Rollout Deadline Guard: keeps Argo Rollouts from hanging in Progressing forever.";

    /// <summary>
    /// Words are taken as they are: no response files (a PATH may start with @) and no directives (a PATH may be
    /// [bracketed]). Bundled short options stay on, so kubectl habits such as <c>-ojson</c> work.
    /// </summary>
    private static readonly ParserConfiguration Parser = new() { ResponseFileTokenReplacer = null };

    public static RootCommand Build(CommandContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var root = new RootCommand(Summary);
        root.Directives.Clear();
        foreach (var option in root.Options)
        {
            if (option is HelpOption help)
            {
                help.Description = HelpWriter.HelpDescription;
                help.Action = new HelpWriter(context.ProgramName);
            }
            else if (option is VersionOption version)
            {
                version.Description = "show the version";
                version.Action = new VersionWriter();
            }
        }

        root.Subcommands.Add(ServeCommand.Create(context));
        root.Subcommands.Add(ReconcileCommand.Create(context));
        root.Subcommands.Add(ReviewCommand.Create(context));
        root.Subcommands.Add(HistoryCommand.Create(context));
        root.Subcommands.Add(StatusCommand.Create(context));
        root.Subcommands.Add(CertsCommand.Create(context));
        root.Subcommands.Add(ExportPolicyCommand.Create(context));

        // Unknown words are ours to report (UsageError), in our words; serve and reconcile take them as settings.
        root.TreatUnmatchedTokensAsErrors = false;
        foreach (var command in root.Subcommands)
        {
            command.TreatUnmatchedTokensAsErrors = false;
        }

        return root;
    }

    public static async Task<int> RunAsync(IReadOnlyList<string> args, CommandContext context)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(context);
        var root = Build(context);
        var parse = root.Parse(WithCommand(root, args), Parser);
        if (parse.Action is not HelpWriter && UsageError.Find(parse) is { } error)
        {
            var path = HelpWriter.CommandPath(error.Command, context.ProgramName);
            await context.Error.WriteLineAsync($"{path}: {error.Problem} (see '{path} --help')");
            return Commands.Usage;
        }

        // No termination handling here: the hosts handle SIGTERM themselves, and the other commands are short.
        return await parse.InvokeAsync(new InvocationConfiguration
        {
            Output = context.Out,
            Error = context.Error,
            EnableDefaultExceptionHandler = false,
            ProcessTerminationTimeout = null,
        });
    }

    /// <summary>This program's version (System.CommandLine's own prints the entry assembly's: a test host's, in tests).</summary>
    private sealed class VersionWriter : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            var version = typeof(CommandLine).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
            parseResult.InvocationConfiguration.Output.WriteLine(version);
            return Commands.Ok;
        }
    }

    /// <summary>
    /// The arguments with the command made explicit: <c>serve</c> when none is given or an option comes first
    /// (except the root's own --help and --version); <c>help [COMMAND]</c> is <c>[COMMAND] --help</c>.
    /// </summary>
    public static IReadOnlyList<string> WithCommand(RootCommand root, IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(args);
        if (args.Count > 0 && args[0] == "help")
        {
            return [.. args.Skip(1).Take(1), "--help"];
        }

        var rootOption = args.Count > 0 && root.Options.Any(o => o.Name == args[0] || o.Aliases.Contains(args[0]));
        return args.Count == 0 || (args[0].StartsWith('-') && !rootOption) ? [ServeCommand.Name, .. args] : args;
    }
}

using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.Text;

namespace DeadlineGuard.Cli;

/// <summary>
/// <c>--help</c> on every command: the usage line, the command's prose, its arguments, subcommands and options, all
/// read from the one definition in <see cref="CommandLine"/>, under the name the program was called by.
/// </summary>
public sealed class HelpWriter(string programName) : SynchronousCommandLineAction
{
    public const string HelpDescription = "show this help";

    private const int MaxOptionsInUsage = 4;

    public override bool ClearsParseErrors => true;

    public override int Invoke(ParseResult parseResult)
    {
        ArgumentNullException.ThrowIfNull(parseResult);
        parseResult.InvocationConfiguration.Output.Write(Render(parseResult.CommandResult.Command, programName));
        return Commands.Ok;
    }

    /// <summary>The help text of <paramref name="command"/>, called <paramref name="programName"/>.</summary>
    public static string Render(Command command, string programName)
    {
        ArgumentNullException.ThrowIfNull(command);
        var path = CommandPath(command, programName);
        var text = new StringBuilder();
        text.Append("Usage: ").AppendLine(Usage(command, path)).AppendLine();
        text.AppendLine(Sentence(command.Description));
        if (command is DocumentedCommand { Details.Length: > 0 } documented)
        {
            text.AppendLine().AppendLine(documented.Details);
        }

        Section(text, "Arguments:", command.Arguments.Where(a => !a.Hidden).Select(a => (ArgumentLabel(a), a.Description ?? string.Empty)));
        Section(text, "Commands:", command.Subcommands.Where(c => !c.Hidden).Select(c => (c.Name, c.Description ?? string.Empty)));
        Section(text, "Options:", Options(command).Select(o => (OptionLabel(o), o.Description ?? string.Empty)).Append(("-h, --help", HelpDescription)));
        if (command is DocumentedCommand { Notes.Length: > 0 } noted)
        {
            text.AppendLine().AppendLine(noted.Notes);
        }

        if (command.Subcommands.Count > 0)
        {
            text.AppendLine().AppendLine($"Run '{path} COMMAND --help' for a command's options.");
        }

        return text.ToString();
    }

    /// <summary>"webhook history", or "kubectl deadline-guard history" when called as the kubectl plugin.</summary>
    public static string CommandPath(Command command, string programName)
    {
        ArgumentNullException.ThrowIfNull(command);
        var names = new List<string>();
        for (var current = command; current is not null && current is not RootCommand; current = current.Parents.OfType<Command>().FirstOrDefault())
        {
            names.Insert(0, current.Name);
        }

        return string.Join(' ', names.Prepend(programName));
    }

    /// <summary>The usage line after "Usage: ": options in brackets (all of them while few, else [options]), then arguments.</summary>
    public static string Usage(Command command, string path)
    {
        ArgumentNullException.ThrowIfNull(command);
        var parts = new List<string> { path };
        if (command.Subcommands.Count > 0)
        {
            parts.Add("COMMAND");
        }

        var options = Options(command).Where(o => o is not VersionOption).ToList();
        if (options.Count is > 0 and <= MaxOptionsInUsage)
        {
            parts.AddRange(options.Select(o => $"[{LongName(o)}{ValueLabel(o)}]"));
        }
        else
        {
            parts.Add("[options]");
        }

        foreach (var argument in command.Arguments.Where(a => !a.Hidden))
        {
            parts.Add(argument.Arity.MinimumNumberOfValues == 0 ? $"[{ArgumentLabel(argument)}]" : ArgumentLabel(argument));
        }

        return string.Join(' ', parts);
    }

    /// <summary>The command's own options; help is the root's, recursive, and printed as the last row of every command.</summary>
    private static IEnumerable<Option> Options(Command command) =>
        command.Options.Where(o => !o.Hidden && o is not HelpOption);

    private static string ArgumentLabel(Argument argument) =>
        (argument.HelpName ?? argument.Name) + (argument.Arity.MaximumNumberOfValues > 1 && argument.HelpName is null ? "..." : string.Empty);

    private static string LongName(Option option) =>
        option.Name.StartsWith("--", StringComparison.Ordinal) ? option.Name : option.Aliases.FirstOrDefault(a => a.StartsWith("--", StringComparison.Ordinal)) ?? option.Name;

    /// <summary>Short aliases first, as kubectl prints them ("-o, --output FORMAT"); Windows-style aliases (/h, -?) are accepted but not shown.</summary>
    private static string OptionLabel(Option option)
    {
        var names = option.Aliases.Append(option.Name)
            .Where(a => a.StartsWith("--", StringComparison.Ordinal) || (a.Length == 2 && a[0] == '-' && char.IsLetter(a[1])))
            .Distinct(StringComparer.Ordinal)
            .OrderBy(a => a.StartsWith("--", StringComparison.Ordinal))
            .ThenBy(a => a, StringComparer.Ordinal);
        return string.Join(", ", names) + ValueLabel(option);
    }

    private static string ValueLabel(Option option) =>
        option.Arity.MaximumNumberOfValues == 0 || option.ValueType == typeof(bool) ? string.Empty : $" {option.HelpName ?? "VALUE"}";

    /// <summary>A summary as the first line of a help text: capitalised ("evaluate ..." under Commands, "Evaluate ..." atop its own help).</summary>
    private static string Sentence(string? summary) =>
        string.IsNullOrEmpty(summary) ? string.Empty : char.ToUpperInvariant(summary[0]) + summary[1..];

    /// <summary>A heading and two columns; later lines of a description line up under its first.</summary>
    private static void Section(StringBuilder text, string heading, IEnumerable<(string Label, string Description)> rows)
    {
        var list = rows.ToList();
        if (list.Count == 0)
        {
            return;
        }

        var width = list.Max(r => r.Label.Length) + 2;
        text.AppendLine().AppendLine(heading);
        foreach (var (label, description) in list)
        {
            var lines = description.Split('\n');
            text.Append("  ").Append(label.PadRight(width)).AppendLine(lines[0].TrimEnd());
            foreach (var line in lines.Skip(1))
            {
                text.Append(' ', width + 2).AppendLine(line.TrimEnd());
            }
        }
    }
}

using System.CommandLine;
using System.CommandLine.Parsing;

namespace DeadlineGuard.Cli;

/// <summary>
/// The first thing wrong with a command line, in one line of our words: the command it concerns and the problem.
/// Words the parser did not match are reported first (an unknown option, a surplus argument, an unknown command),
/// then the parser's errors (a missing value or argument, a value the option's check refused).
/// </summary>
public sealed record UsageError(Command Command, string Problem)
{
    /// <summary>The problem, or null when the command line is fine.</summary>
    public static UsageError? Find(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        var command = parse.CommandResult.Command;
        if (parse.UnmatchedTokens.Count > 0)
        {
            var word = parse.UnmatchedTokens[0];
            return new UsageError(command, command is RootCommand && !word.StartsWith('-') ? $"unknown command '{word}'"
                : word.StartsWith('-') && word != "-" ? $"unknown option '{word}'"
                : $"unexpected argument '{word}'");
        }

        if (OptionGivenAsArgument(parse, command) is { } option)
        {
            return new UsageError(command, $"unknown option '{option}'");
        }

        return parse.Errors.Count == 0 ? null : new UsageError(command, Describe(parse.Errors[0], command));
    }

    /// <summary>
    /// The parser gives an argument every word it does not know, "--frobnicate" too; before a "--" such a word is an
    /// unknown option ("-" alone is stdin). After "--" it is a PATH, as in <c>review -- -odd-name.yaml</c>.
    /// </summary>
    private static string? OptionGivenAsArgument(ParseResult parse, Command command)
    {
        if (command is DocumentedCommand { ArgumentsMayLookLikeOptions: true })
        {
            return null;
        }

        var tokens = parse.Tokens;
        var end = Enumerable.Range(0, tokens.Count).FirstOrDefault(i => tokens[i].Type == TokenType.DoubleDash, tokens.Count);
        return command.Arguments
            .SelectMany(a => parse.GetResult(a)?.Tokens ?? [])
            .Where(t => t.Value.Length > 1 && t.Value[0] == '-')
            .Select(t => (Token: t, Index: Enumerable.Range(0, end).FirstOrDefault(i => ReferenceEquals(tokens[i], t), -1)))
            .Where(t => t.Index >= 0)
            .OrderBy(t => t.Index)
            .Select(t => t.Token.Value)
            .FirstOrDefault();
    }

    private static string Describe(ParseError error, Command command) => error.SymbolResult switch
    {
        OptionResult { Tokens.Count: 0 } option => $"{option.IdentifierToken?.Value ?? option.Option.Name} needs {ValueNoun(option.Option.HelpName)}",
        ArgumentResult { Tokens.Count: 0 } argument => $"no {argument.Argument.Name} given",
        CommandResult when command is RootCommand => "no command given",
        _ => error.Message,
    };

    /// <summary>What an option's value is, from its help name: "--policy needs a file".</summary>
    public static string ValueNoun(string? helpName) => helpName switch
    {
        "FILE" => "a file",
        "NS" => "a namespace",
        "NAME" => "a name",
        "URLS" => "listen addresses",
        "DAYS" => "a number of days",
        _ => "a value",
    };
}

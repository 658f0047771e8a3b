using System.CommandLine;
using System.Globalization;

namespace DeadlineGuard.Cli;

/// <summary>Options more than one command takes, and the checks that give their values one-line errors in our words.</summary>
public static class CliOptions
{
    /// <summary>
    /// A string option that may be given more than once, the last one counting, as kubectl's flags and .NET
    /// configuration behave (the chart's <c>extraArgs</c> may repeat a flag the chart sets).
    /// </summary>
    public static Option<string> Text(string name, string helpName, string description, params string[] aliases) => new(name, aliases)
    {
        HelpName = helpName,
        Description = description,
        Arity = ArgumentArity.OneOrMore, // one word per occurrence (AllowMultipleArgumentsPerToken is off)
        CustomParser = result => result.Tokens.Count > 0 ? result.Tokens[^1].Value : null,
    };

    /// <summary><c>--policy FILE</c>: the policy file; for the hosted commands it is <c>--Policy:File=FILE</c>.</summary>
    public static Option<string> Policy(string description) => Text("--policy", "FILE", description);

    /// <summary><c>-o, --output</c> with a fixed set of formats, the first the default.</summary>
    public static Option<string> Output(params string[] formats) =>
        Choice(Text("--output", "FORMAT", $"output format: {Or(formats)} (default {formats[0]})", "-o"), formats);

    /// <summary>A string option whose value must be one of <paramref name="values"/> (first: the default).</summary>
    public static Option<string> Choice(Option<string> option, params string[] values)
    {
        ArgumentNullException.ThrowIfNull(option);
        option.HelpName = string.Join('|', values);
        option.DefaultValueFactory = _ => values[0];
        option.CompletionSources.Add(values);
        option.Validators.Add(result =>
        {
            if (result.Tokens.Count > 0 && result.Tokens[^1].Value is var value && !values.Contains(value, StringComparer.Ordinal))
            {
                result.AddError($"{option.Name} must be {Or(values)}, found '{value}'");
            }
        });
        return option;
    }

    /// <summary>A whole number option; null when not given. A value that is not one is "NAME must be a whole number of UNIT, found 'x'".</summary>
    public static Option<int?> WholeNumber(string name, string unit, string description) => new(name)
    {
        HelpName = unit.ToUpperInvariant(),
        Arity = ArgumentArity.OneOrMore, // the last one counts, as for Text
        Description = description,
        CustomParser = result =>
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : string.Empty;
            if (int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
            {
                return value;
            }

            result.AddError($"{name} must be a whole number of {unit}, found '{text}'");
            return null;
        },
    };

    /// <summary>"a, b or c".</summary>
    public static string Or(IReadOnlyList<string> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        return values.Count == 1 ? values[0] : $"{string.Join(", ", values.Take(values.Count - 1))} or {values[^1]}";
    }
}

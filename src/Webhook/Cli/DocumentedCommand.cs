using System.CommandLine;

namespace DeadlineGuard.Cli;

/// <summary>
/// A subcommand with the prose its help prints around the parts made from the definition: the summary (the
/// description, one line, also listed under the parent's commands), paragraphs after it, and notes after the options
/// (settings, exit codes). <see cref="HelpWriter"/> renders it.
/// </summary>
#pragma warning disable CA1010 // System.CommandLine's Command is IEnumerable only for collection initializers
public sealed class DocumentedCommand(string name, string summary) : Command(name, summary)
{
    /// <summary>Paragraphs printed after the summary, before the arguments and options.</summary>
    public string Details { get; init; } = string.Empty;

    /// <summary>Paragraphs printed after the options.</summary>
    public string Notes { get; init; } = string.Empty;

    /// <summary>
    /// Whether its arguments take words that start with a dash (the settings of serve and reconcile, checked by
    /// <see cref="ConfigurationOverrides"/>). Otherwise such a word before <c>--</c> is an unknown option, not a PATH.
    /// </summary>
    public bool ArgumentsMayLookLikeOptions { get; init; }
}
#pragma warning restore CA1010

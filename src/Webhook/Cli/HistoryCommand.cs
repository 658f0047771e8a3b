using System.Text.Json.Nodes;
using DeadlineGuard.History;
using DeadlineGuard.Json;

namespace DeadlineGuard.Cli;

/// <summary><c>webhook history PATH</c>: a Rollout's recorded revision history as a table.</summary>
public static class HistoryCommand
{
    public const string Help = """
        Usage: webhook history PATH

        Prints the revision history that deadline-guard recorded on a Rollout (the annotation
        deadline-guard.io/revision-history) as a table, oldest first.

        PATH   a YAML or JSON file holding the Rollout (or a kind: List of them), or - for stdin:
               kubectl get rollout web -o yaml | webhook history -

        Exit codes: 0 printed (also when no history is recorded yet), 2 usage error, unreadable input,
        no Rollout in the input, or a history that cannot be read.
        """;

    private static readonly string[] Columns = ["REV", "STARTED (UTC)", "BY", "OP", "TRIGGER", "DEADLINE", "ABORT", "FINGERPRINT", "IMAGES"];

    public static async Task<int> RunAsync(string[] args, TextReader stdin, TextWriter stdout, TextWriter stderr)
    {
        if (args.Any(a => a is "--help" or "-h"))
        {
            await stdout.WriteLineAsync(Help);
            return Commands.Ok;
        }

        if (args.Length != 1 || (args[0].StartsWith('-') && args[0] != "-"))
        {
            await stderr.WriteLineAsync(args.Length == 0 ? "webhook history: no PATH given (use - to read stdin)" : $"webhook history: expected one PATH, found '{string.Join(' ', args)}'");
            await stderr.WriteLineAsync(Help);
            return Commands.Usage;
        }

        var problems = new List<string>();
        var rollouts = ManifestReader.Read(args, stdin, problems)
            .Select(d => d.Root as JsonObject)
            .Where(o => o is not null && JsonValues.GetString(o["kind"]) == "Rollout")
            .Cast<JsonObject>()
            .ToList();
        foreach (var problem in problems)
        {
            await stderr.WriteLineAsync($"webhook history: {problem}");
        }

        if (problems.Count > 0)
        {
            return Commands.Usage;
        }

        if (rollouts.Count == 0)
        {
            await stderr.WriteLineAsync($"webhook history: no Rollout found in {args[0]}");
            return Commands.Usage;
        }

        var exit = Commands.Ok;
        for (var i = 0; i < rollouts.Count; i++)
        {
            if (i > 0)
            {
                await stdout.WriteLineAsync();
            }

            exit = Math.Max(exit, await Print(rollouts[i], stdout, stderr));
        }

        return exit;
    }

    private static async Task<int> Print(JsonObject rollout, TextWriter stdout, TextWriter stderr)
    {
        var name = $"{JsonValues.GetString(JsonValues.At(rollout, "metadata", "namespace")) ?? "default"}/{JsonValues.GetString(JsonValues.At(rollout, "metadata", "name")) ?? "(unnamed)"}";
        var text = RevisionRecorder.Annotation(rollout);
        if (text is null)
        {
            await stdout.WriteLineAsync($"Rollout {name}: no revision history recorded yet (it starts with the next revision the webhook admits).");
            return Commands.Ok;
        }

        if (!RevisionHistoryAnnotation.TryParse(text, out var entries, out var error))
        {
            await stderr.WriteLineAsync($"webhook history: Rollout {name}: {RevisionHistoryAnnotation.Key} cannot be read: {error}");
            return Commands.Usage;
        }

        await stdout.WriteLineAsync($"Rollout {name}: {entries.Count} revision{(entries.Count == 1 ? string.Empty : "s")} recorded");
        var rows = entries.Select(e => new[]
        {
            e.Seq.ToString(System.Globalization.CultureInfo.InvariantCulture),
            RevisionHistoryAnnotation.FormatTime(e.At),
            e.By.Length == 0 ? "-" : e.By,
            e.Op,
            e.Trigger,
            e.DeadlineSeconds is { } s ? $"{s}s" : "invalid",
            e.Abort ? "yes" : "no",
            e.Fingerprint,
            e.Images.Count == 0 ? "-" : string.Join(", ", e.Images),
        }).ToList();
        var widths = Columns.Select((c, i) => rows.Select(r => r[i].Length).Append(c.Length).Max()).ToArray();
        await stdout.WriteLineAsync(Row(Columns, widths));
        foreach (var row in rows)
        {
            await stdout.WriteLineAsync(Row(row, widths));
        }

        return Commands.Ok;
    }

    private static string Row(string[] cells, int[] widths) =>
        string.Join("  ", cells.Select((c, i) => i == cells.Length - 1 ? c : c.PadRight(widths[i]))).TrimEnd();
}

using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using DeadlineGuard.ClusterAccess;
using DeadlineGuard.History;
using DeadlineGuard.Json;

namespace DeadlineGuard.Cli;

/// <summary>
/// <c>webhook history PATH | rollout/NAME</c>: a Rollout's recorded revision history, from a file, stdin or the
/// cluster (<see cref="HistoryTarget"/> decides which), as a table or as JSON.
/// </summary>
public static class HistoryCommand
{
    public const string Name = "history";

    private static readonly string[] Columns = ["REV", "STARTED (UTC)", "BY", "OP", "TRIGGER", "DEADLINE", "ABORT", "FINGERPRINT", "IMAGES"];

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>One Rollout's history as read: its entries, or why they cannot be read.</summary>
    private sealed record Recorded(string Namespace, string Name, IReadOnlyList<RevisionEntry>? Entries, string? Error);

    public static DocumentedCommand Create(CommandContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var cluster = new ClusterOptions();
        var output = CliOptions.Output("text", "json");
        var target = new Argument<string>("PATH")
        {
            HelpName = "PATH|rollout/NAME",
            Description = $"""
                rollout/NAME (also rollouts/NAME, ro/NAME, rollout.argoproj.io/NAME): the Rollout NAME in the
                cluster, read through the kubeconfig as kubectl reads it. A bare NAME means the cluster too,
                unless a file or directory of that name exists or it ends in .yaml, .yml or .json.
                Otherwise a YAML or JSON file holding the Rollout (or a kind: List of them), or - for stdin:
                kubectl get rollout web -o yaml | {context.Named(Name)} -
                """,
        };
        var command = new DocumentedCommand(Name, "print a Rollout's recorded revision history (a file, - for stdin, or rollout/NAME in the cluster)")
        {
            Details = """
                Prints the revision history that deadline-guard recorded on a Rollout (the annotation
                deadline-guard.io/revision-history), oldest first: a table, or with -o json one object
                {"rollouts": [{"namespace", "name", "entries": [...]}]} for scripts.
                """,
            Notes = """
                Exit codes: 0 printed (also when no history is recorded yet), 2 usage error, unreadable input,
                no Rollout in the input, a history that cannot be read, or the cluster could not be read (not
                found, forbidden, unreachable; one line on stderr says which).
                """,
        };
        cluster.AddTo(command);
        command.Options.Add(output);
        command.Arguments.Add(target);
        command.SetAction((parse, cancellationToken) =>
            RunAsync(parse, HistoryTarget.Resolve(parse.GetValue(target)!, p => File.Exists(p) || Directory.Exists(p)), cluster, parse.GetValue(output) == "json", context, cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(ParseResult parse, HistoryTarget target, ClusterOptions cluster, bool json, CommandContext context, CancellationToken cancellationToken)
    {
        var named = context.Named(Name);
        List<JsonObject> rollouts;
        string fallbackNamespace;
        if (target.Source == HistoryTarget.Kind.Cluster)
        {
            if (!HistoryTarget.IsRolloutName(target.Value))
            {
                await context.Error.WriteLineAsync($"{named}: '{target.Value}' is not a Rollout name (lower-case letters, digits, '-' and '.'); see '{named} --help'");
                return Commands.Usage;
            }

            try
            {
                using var connection = cluster.Connect(parse, context);
                fallbackNamespace = connection.Namespace;
                rollouts = [await ClusterRolloutReader.ReadAsync(connection, target.Value, cancellationToken)];
            }
            catch (KubernetesAccessException e)
            {
                await context.Error.WriteLineAsync($"{named}: {e.Message}");
                return Commands.Usage;
            }
        }
        else
        {
            fallbackNamespace = parse.GetValue(cluster.Namespace) ?? ClusterOptions.DefaultNamespace;
            var problems = new List<string>();
            rollouts = [.. ManifestReader.Read([target.Value], context.In, problems)
                .Select(d => d.Root as JsonObject)
                .Where(o => o is not null && JsonValues.GetString(o["kind"]) == "Rollout")
                .Cast<JsonObject>()];
            foreach (var problem in problems)
            {
                await context.Error.WriteLineAsync($"{named}: {problem}");
            }

            if (problems.Count > 0)
            {
                return Commands.Usage;
            }

            if (rollouts.Count == 0)
            {
                await context.Error.WriteLineAsync($"{named}: no Rollout found in {target.Value}");
                return Commands.Usage;
            }
        }

        var recorded = rollouts.Select(r => Read(r, fallbackNamespace)).ToList();
        foreach (var unreadable in recorded.Where(r => r.Error is not null))
        {
            await context.Error.WriteLineAsync($"{named}: Rollout {unreadable.Namespace}/{unreadable.Name}: {RevisionHistoryAnnotation.Key} cannot be read: {unreadable.Error}");
        }

        await context.Out.WriteAsync(json ? ToJson(recorded).ToJsonString(Indented) + Environment.NewLine : ToTables(recorded));
        return recorded.Any(r => r.Error is not null) ? Commands.Usage : Commands.Ok;
    }

    private static Recorded Read(JsonObject rollout, string fallbackNamespace)
    {
        var ns = JsonValues.GetString(JsonValues.At(rollout, "metadata", "namespace")) ?? fallbackNamespace;
        var name = JsonValues.GetString(JsonValues.At(rollout, "metadata", "name")) ?? "(unnamed)";
        if (RevisionRecorder.Annotation(rollout) is not { } text)
        {
            return new Recorded(ns, name, [], null);
        }

        return RevisionHistoryAnnotation.TryParse(text, out var entries, out var error)
            ? new Recorded(ns, name, entries, null)
            : new Recorded(ns, name, null, error);
    }

    private static string ToTables(List<Recorded> recorded)
    {
        var text = new System.Text.StringBuilder();
        foreach (var rollout in recorded.Where(r => r.Entries is not null))
        {
            if (text.Length > 0)
            {
                text.AppendLine();
            }

            var entries = rollout.Entries!;
            if (entries.Count == 0)
            {
                text.AppendLine($"Rollout {rollout.Namespace}/{rollout.Name}: no revision history recorded yet (it starts with the next revision the webhook admits).");
                continue;
            }

            text.AppendLine($"Rollout {rollout.Namespace}/{rollout.Name}: {entries.Count} revision{(entries.Count == 1 ? string.Empty : "s")} recorded");
            var rows = entries.Select(e => new[]
            {
                e.Seq.ToString(CultureInfo.InvariantCulture),
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
            text.AppendLine(Row(Columns, widths));
            foreach (var row in rows)
            {
                text.AppendLine(Row(row, widths));
            }
        }

        return text.ToString();
    }

    /// <summary>The stable JSON of docs/history.md: the entries as the annotation holds them, per Rollout; an unreadable history has "error" and no entries.</summary>
    private static JsonObject ToJson(List<Recorded> recorded) => new()
    {
        ["rollouts"] = new JsonArray([.. recorded.Select(r =>
        {
            var item = new JsonObject
            {
                ["namespace"] = r.Namespace,
                ["name"] = r.Name,
                ["entries"] = new JsonArray([.. (r.Entries ?? []).Select(e => (JsonNode)new JsonObject
                {
                    ["seq"] = e.Seq,
                    ["at"] = RevisionHistoryAnnotation.FormatTime(e.At),
                    ["by"] = e.By,
                    ["op"] = e.Op,
                    ["trigger"] = e.Trigger,
                    ["fingerprint"] = e.Fingerprint,
                    ["images"] = new JsonArray([.. e.Images.Select(i => (JsonNode)JsonValue.Create(i))]),
                    ["deadlineSeconds"] = e.DeadlineSeconds,
                    ["abort"] = e.Abort,
                })]),
            };
            if (r.Error is not null)
            {
                item["error"] = r.Error;
            }

            return (JsonNode)item;
        })]),
    };

    private static string Row(string[] cells, int[] widths) =>
        string.Join("  ", cells.Select((c, i) => i == cells.Length - 1 ? c : c.PadRight(widths[i]))).TrimEnd();
}

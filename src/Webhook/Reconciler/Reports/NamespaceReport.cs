using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using DeadlineGuard.Json;

namespace DeadlineGuard.Reconciler.Reports;

/// <summary>
/// One namespace's report as it is written: the results of its Rollouts (each with the Rollout as its resource), the
/// summary that counts them, and the label that says the product owns it. Pure: what would be written is compared with
/// what is there (<see cref="SameContent"/>), and a result that has not changed keeps the timestamp it was first written
/// with, so that a report whose results are unchanged is never written again.
/// </summary>
public static class NamespaceReport
{
    /// <summary>The report's name in every namespace.</summary>
    public const string Name = "rollout-deadline-guard";

    public const string ManagedByLabel = "app.kubernetes.io/managed-by";
    public const string ManagedBy = "rollout-deadline-guard";

    /// <summary>On a report too large to hold every result: how many were left out, and which.</summary>
    public const string OmittedAnnotation = "deadline-guard.io/omitted-results";

    private static readonly string[] ContentFields = ["results", "summary", "source"];

    /// <summary>One Rollout and its results.</summary>
    public sealed record Entry(RolloutSnapshot Rollout, IReadOnlyList<ReportResult> Results);

    /// <summary>
    /// The report to write for <paramref name="ns"/>: a new one, or <paramref name="current"/> (the report there now)
    /// with its results, summary and ownership replaced and everything else it holds kept (its resourceVersion makes
    /// the write conditional). Results of the Rollouts in the order given. Past <paramref name="maxBytes"/> of results,
    /// pass results are left out, then skip results, then the last of the rest, and the annotation says so.
    /// </summary>
    public static JsonObject Build(ReportResource resource, string ns, IEnumerable<Entry> rollouts, KnownReport? current, DateTimeOffset now, int maxBytes)
    {
        ArgumentNullException.ThrowIfNull(resource);
        ArgumentNullException.ThrowIfNull(rollouts);
        var stamps = current?.Timestamps ?? new Dictionary<ulong, long>();
        var results = new List<(ReportOutcome Outcome, JsonObject Node, int Size)>();
        foreach (var entry in rollouts)
        {
            var nodes = entry.Results.Select(r => (r.Result, Node: Result(r, entry.Rollout))).ToList();
            var seconds = stamps.TryGetValue(Key(entry.Rollout.Uid, nodes.Select(n => n.Node)), out var first) ? first : now.ToUnixTimeSeconds();
            foreach (var (outcome, node) in nodes)
            {
                node["timestamp"] = new JsonObject { ["seconds"] = seconds, ["nanos"] = 0 };
                results.Add((outcome, node, node.ToJsonString().Length + 1));
            }
        }

        var (kept, omitted) = Fit(results, maxBytes);
        var report = new JsonObject
        {
            ["apiVersion"] = resource.ApiVersion,
            ["kind"] = resource.Kind,
        };
        var metadata = current?.Metadata.DeepClone().AsObject() ?? [];
        report["metadata"] = metadata;
        metadata["name"] = Name;
        metadata["namespace"] = ns;
        var labels = metadata["labels"] as JsonObject ?? [];
        metadata["labels"] = labels;
        labels[ManagedByLabel] = ManagedBy;
        var annotations = metadata["annotations"] as JsonObject;
        if (omitted is not null)
        {
            annotations ??= [];
            metadata["annotations"] = annotations;
            annotations[OmittedAnnotation] = omitted;
        }
        else
        {
            annotations?.Remove(OmittedAnnotation);
            if (annotations is { Count: 0 })
            {
                metadata.Remove("annotations");
            }
        }

        if (resource.Format == ReportFormat.OpenReports)
        {
            report["source"] = ReportResult.Source;
        }

        report["summary"] = Summary(kept.Select(r => r.Outcome));
        report["results"] = new JsonArray([.. kept.Select(r => (JsonNode)r.Node)]);
        return report;
    }

    /// <summary>True when the product wrote the report (its managed-by label).</summary>
    public static bool IsOurs(JsonObject report) =>
        report["metadata"]?["labels"]?[ManagedByLabel] is JsonValue value && value.TryGetValue<string>(out var text) && text == ManagedBy;

    /// <summary>Whether writing <paramref name="desired"/> would change what <paramref name="current"/> says: its results, summary, source, label and annotation.</summary>
    public static bool SameContent(JsonObject desired, KnownReport current)
    {
        ArgumentNullException.ThrowIfNull(current);
        return Hash(desired, timestamps: true) == current.ContentHash;
    }

    /// <summary>What to remember of a report the API server returned (or listed).</summary>
    public static KnownReport Know(JsonObject report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var metadata = report["metadata"]?.DeepClone() as JsonObject ?? [];
        metadata.Remove("managedFields");
        var stamps = new Dictionary<ulong, long>();
        var results = (report["results"] as JsonArray ?? []).OfType<JsonObject>();
        foreach (var rollout in results.GroupBy(r => Text(r["resources"]?[0]?["uid"]) ?? string.Empty, StringComparer.Ordinal))
        {
            if (rollout.First()["timestamp"]?["seconds"] is JsonValue value && value.TryGetValue<long>(out var seconds))
            {
                stamps.TryAdd(Key(rollout.Key, rollout), seconds);
            }
        }

        return new KnownReport(metadata, Hash(report, timestamps: true), stamps);
    }

    /// <summary>A hash of what the report says, timestamps left out: a report the API server refused is not sent again until this changes.</summary>
    public static string ContentHash(JsonObject report) => Hash(report, timestamps: false);

    private static string Hash(JsonObject report, bool timestamps) =>
        Convert.ToHexString(SHA256.HashData(CanonicalJson.Serialize(Content(report, timestamps))));

    /// <summary>The summary: how many results of each kind (both CRDs: pass, fail, warn, error, skip).</summary>
    public static JsonObject Summary(IEnumerable<ReportOutcome> outcomes)
    {
        var counts = new int[5];
        foreach (var outcome in outcomes)
        {
            counts[(int)outcome]++;
        }

        return new JsonObject
        {
            ["pass"] = counts[(int)ReportOutcome.Pass],
            ["fail"] = counts[(int)ReportOutcome.Fail],
            ["warn"] = counts[(int)ReportOutcome.Warn],
            ["error"] = counts[(int)ReportOutcome.Error],
            ["skip"] = counts[(int)ReportOutcome.Skip],
        };
    }

    public static string Outcome(ReportOutcome outcome) => outcome switch
    {
        ReportOutcome.Pass => "pass",
        ReportOutcome.Fail => "fail",
        ReportOutcome.Warn => "warn",
        ReportOutcome.Error => "error",
        _ => "skip",
    };

    private static JsonObject Result(ReportResult result, RolloutSnapshot rollout)
    {
        var node = new JsonObject
        {
            ["source"] = ReportResult.Source,
            ["policy"] = result.Policy,
            ["rule"] = result.Rule,
            ["result"] = Outcome(result.Result),
            ["scored"] = result.Scored,
            ["severity"] = result.Severity,
            ["category"] = ReportResult.Category,
            ["message"] = result.Message,
            ["resources"] = new JsonArray(new JsonObject
            {
                ["apiVersion"] = $"{RolloutApi.Group}/{RolloutApi.Version}",
                ["kind"] = "Rollout",
                ["name"] = rollout.Name,
                ["namespace"] = rollout.Namespace,
                ["uid"] = rollout.Uid,
            }),
        };
        if (result.Properties.Count > 0)
        {
            var properties = new JsonObject();
            foreach (var (key, value) in result.Properties)
            {
                properties[key] = value;
            }

            node["properties"] = properties;
        }

        return node;
    }

    /// <summary>What identifies a Rollout's results across writes: its uid and every result but their timestamps, hashed to 64 bits.</summary>
    private static ulong Key(string uid, IEnumerable<JsonObject> results)
    {
        var list = new JsonArray { uid };
        foreach (var result in results)
        {
            var copy = new JsonObject();
            foreach (var (name, value) in result)
            {
                if (name != "timestamp")
                {
                    copy[name] = value?.DeepClone();
                }
            }

            list.Add(copy);
        }

        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(CanonicalJson.Serialize(list), hash);
        return System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(hash);
    }

    private static string? Text(JsonNode? node) => node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    /// <summary>The results that fit, and what the annotation says about those that do not (null when all fit).</summary>
    private static (List<(ReportOutcome Outcome, JsonObject Node, int Size)> Kept, string? Omitted) Fit(
        List<(ReportOutcome Outcome, JsonObject Node, int Size)> results, int maxBytes)
    {
        if (results.Sum(r => r.Size) <= maxBytes)
        {
            return (results, null);
        }

        var kept = results;
        var dropped = new List<string>();
        foreach (var outcome in new[] { ReportOutcome.Pass, ReportOutcome.Skip })
        {
            var count = kept.Count(r => r.Outcome == outcome);
            if (count > 0)
            {
                kept = [.. kept.Where(r => r.Outcome != outcome)];
                dropped.Add($"{count.ToString(CultureInfo.InvariantCulture)} {Outcome(outcome)}");
            }

            if (kept.Sum(r => r.Size) <= maxBytes)
            {
                break;
            }
        }

        var size = 0;
        var fitting = kept.TakeWhile(r => (size += r.Size) <= maxBytes).ToList();
        if (fitting.Count < kept.Count)
        {
            dropped.Add($"{(kept.Count - fitting.Count).ToString(CultureInfo.InvariantCulture)} more");
        }

        return (fitting, $"{string.Join(", ", dropped)} results left out: the report would exceed {maxBytes.ToString(CultureInfo.InvariantCulture)} bytes (the summary counts the results shown)");
    }

    private static JsonObject Content(JsonObject report, bool timestamps)
    {
        var content = new JsonObject();
        foreach (var field in ContentFields)
        {
            if (report[field] is { } value)
            {
                content[field] = value.DeepClone();
            }
        }

        if (!timestamps && content["results"] is JsonArray results)
        {
            foreach (var result in results.OfType<JsonObject>())
            {
                result.Remove("timestamp");
            }
        }

        content["ours"] = IsOurs(report);
        content["omitted"] = report["metadata"]?["annotations"]?[OmittedAnnotation]?.DeepClone();
        return content;
    }
}

using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace DeadlineGuard.Tests.Chart;

/// <summary>
/// No dead values: changing any value of values.yaml changes what helm renders, in a configuration where that value
/// matters (its certificate mode, its feature switched on). One render per value, run two at a time.
/// </summary>
public sealed partial class ValueUsageTests
{
    /// <summary>Values the schema pins to a single allowed value: nothing else can be rendered for them.</summary>
    private static readonly HashSet<string> Pinned = ["policy.apiVersion", "policy.kind"];

    /// <summary>Changed values where the automatic change (see <see cref="Mutated"/>) would not be allowed by the schema.</summary>
    private static readonly Dictionary<string, string> Overrides = new(StringComparer.Ordinal)
    {
        ["image.digest"] = "\"sha256:" + new string('b', 64) + "\"",
        ["certificates.existingSecret.caBundle"] = "\"" + Convert.ToBase64String("-----BEGIN CERTIFICATE-----"u8.ToArray()) + "\"",
        ["imagePullSecrets"] = """[{"name": "registry"}]""",
        ["webhook.tolerations"] = """[{"key": "dedicated", "operator": "Exists"}]""",
        ["reconciler.tolerations"] = """[{"key": "dedicated", "operator": "Exists"}]""",
        ["policy.spec.overrides"] = """[{"namespaces": ["team-*"], "action": "Warn"}]""",
        ["policy.spec.pitfalls.ignore"] = """["DG102"]""",
        ["webhook.reconcilerCoverage"] = "\"absent\"",
        ["webhook.extraArgs"] = """["--Serilog:MinimumLevel:Default=Warning"]""",
        ["reconciler.extraArgs"] = """["--Serilog:MinimumLevel:Default=Warning"]""",
        ["webhook.affinity"] = Affinity,
        ["reconciler.affinity"] = Affinity,
        ["reports.format"] = "\"openreports\"",
    };

    private const string Affinity = """
        {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [{"matchExpressions": [{"key": "pool", "operator": "In", "values": ["platform"]}]}]}}}
        """;

    /// <summary>The values a leaf is changed on top of: where it takes effect.</summary>
    private static JsonObject Context(string leaf) => leaf switch
    {
        _ when leaf.StartsWith("certificates.certManager.issuerRef.", StringComparison.Ordinal) && leaf != "certificates.certManager.issuerRef.name" =>
            Values("""{"certificates": {"mode": "certManager", "certManager": {"issuerRef": {"name": "corporate-ca"}}}}"""),
        _ when leaf.StartsWith("certificates.certManager.", StringComparison.Ordinal) => Values("""{"certificates": {"mode": "certManager"}}"""),
        _ when leaf.StartsWith("certificates.existingSecret.", StringComparison.Ordinal) => ChartConfiguration.ExistingSecret.Values,
        "metrics.serviceMonitor.enabled" or "metrics.dashboard.enabled" => [],
        _ when leaf.StartsWith("metrics.", StringComparison.Ordinal) => Values("""{"metrics": {"serviceMonitor": {"enabled": true}, "dashboard": {"enabled": true}}}"""),
        _ => [],
    };

    [SkippableFact]
    public void Changing_any_value_changes_what_helm_renders()
    {
        _ = HelmTool.Binary;
        var leaves = ChartFiles.LeafPaths(ChartFiles.Values).Where(l => !Pinned.Contains(l)).ToList();
        var baselines = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);
        var problems = new ConcurrentBag<string>();

        Parallel.ForEach(leaves, new ParallelOptions { MaxDegreeOfParallelism = 2 }, leaf =>
        {
            var context = Context(leaf);
            var baseline = baselines.GetOrAdd(context.ToJsonString(), _ => Render(context, "baseline", out var text) ?? text);
            var mutated = Mutated(leaf, Lookup(ChartFiles.Values, leaf));
            var values = (JsonObject)context.DeepClone();
            Set(values, leaf, mutated);
            if (Render(values, leaf, out var changed) is { } failure)
            {
                problems.Add($"{leaf} = {mutated?.ToJsonString()}: the render failed: {failure}");
            }
            else if (changed == baseline)
            {
                problems.Add($"{leaf} = {mutated?.ToJsonString()}: renders exactly as before; is the value used?");
            }
        });

        problems.ShouldBeEmpty();
    }

    /// <summary>A different value of the same shape that the schema allows.</summary>
    private static JsonNode? Mutated(string leaf, JsonNode? value)
    {
        if (Overrides.TryGetValue(leaf, out var json))
        {
            return JsonNode.Parse(json);
        }

        return value switch
        {
            JsonValue v when v.TryGetValue<bool>(out var b) => !b,
            JsonValue v when v.TryGetValue<int>(out var i) => i + 1,
            JsonValue v when v.GetValue<string>() is var s && Number().Match(s) is { Success: true } m =>
                s[..m.Index] + (long.Parse(m.Value, CultureInfo.InvariantCulture) + 1).ToString(CultureInfo.InvariantCulture) + s[(m.Index + m.Length)..],
            JsonValue v when v.GetValue<string>() is { Length: 0 } => "x1",
            JsonValue v when v.GetValue<string>() is "RuntimeDefault" => "Localhost",
            JsonValue v when v.GetValue<string>() is "IfNotPresent" => "Always",
            JsonValue v when v.GetValue<string>() is "Fail" => "Ignore",
            JsonValue v when v.GetValue<string>() is "Deny" => "Warn",
            JsonValue v when v.GetValue<string>() is "ScheduleAnyway" => "DoNotSchedule",
            JsonValue v when v.GetValue<string>() is "Issuer" => "ClusterIssuer",
            JsonValue v when v.GetValue<string>() is "selfManaged" => "certManager",
            JsonValue v => v.GetValue<string>() + "-x",
            JsonArray { Count: 0 } => new JsonArray("x1"),
            JsonArray a => new JsonArray([.. a.Select(e => e?.DeepClone()), JsonValue.Create("x1")]),
            JsonObject { Count: 0 } => new JsonObject { ["x1"] = "y1" },
            _ => throw new InvalidOperationException($"{leaf}: no way to change {value?.ToJsonString()}"),
        };
    }

    private static string? Render(JsonObject values, string name, out string manifest)
    {
        var outcome = RenderedChart.Helm("template", new ChartConfiguration(name, ChartConfiguration.DefaultRelease, ChartConfiguration.DefaultNamespace, values));
        manifest = outcome.Stdout;
        return outcome.ExitCode == 0 ? null : outcome.Said.Split('\n').LastOrDefault(l => l.Contains("rror", StringComparison.Ordinal)) ?? outcome.Said;
    }

    private static JsonNode? Lookup(JsonObject root, string path)
    {
        JsonNode? node = root;
        foreach (var part in path.Split('.'))
        {
            node = node?[part];
        }

        return node;
    }

    private static void Set(JsonObject root, string path, JsonNode? value)
    {
        var parts = path.Split('.');
        var node = root;
        foreach (var part in parts[..^1])
        {
            if (node[part] is not JsonObject child)
            {
                child = [];
                node[part] = child;
            }

            node = child;
        }

        node[parts[^1]] = value;
    }

    private static JsonObject Values(string json) => JsonNode.Parse(json)!.AsObject();

    [GeneratedRegex("[0-9]+")]
    private static partial Regex Number();
}

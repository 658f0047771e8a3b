using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using DeadlineGuard.Pitfalls;
using DeadlineGuard.Policy;

namespace DeadlineGuard.Tests.Chart;

/// <summary>
/// Writes the chart's values.schema.json <c>policy</c> part from the program's policy.schema.json (the one definition
/// of the policy file, <see cref="PolicySchema"/>), so that helm checks <c>values.policy</c> as the program checks the
/// mounted file. The part is the policy schema as it is, but for three things a part of a larger schema needs:
/// <list type="bullet">
/// <item>no <c>$schema</c>, <c>$id</c> and <c>title</c> (draft-07 allows the first two only at a document's root), and a
/// <c>$comment</c> that says where the part comes from;</item>
/// <item>its <c>definitions</c> move to the chart schema's own, each name prefixed with <c>policy</c>
/// (<c>bounds</c> becomes <c>policyBounds</c>), and every <c>$ref</c> follows them;</item>
/// <item><c>spec.pitfalls.ignore</c>'s items list the catalog's ids (<see cref="PitfallCatalog"/>) as an <c>enum</c>: the
/// program checks them against the catalog as a rule (ignoring case and spaces), which helm cannot run.</item>
/// </list>
/// To regenerate: <c>UPDATE_CHART_SCHEMA=1 dotnet test tests/Webhook.Tests --filter "FullyQualifiedName~ChartPolicySchemaTests"</c>.
/// </summary>
public static class ChartPolicySchema
{
    private const string Prefix = "policy";

    /// <summary>As the chart file is written: two-space indents, non-ASCII and '+' as they are.</summary>
    public static readonly JsonSerializerOptions Written = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The chart schema <paramref name="chart"/> with its policy part and policy definitions replaced by those generated.</summary>
    public static JsonObject Apply(JsonObject chart)
    {
        ArgumentNullException.ThrowIfNull(chart);
        var policy = JsonNode.Parse(PolicySchema.Text)!.AsObject();
        policy.Remove("$schema");
        policy.Remove("$id");
        var definitions = policy["definitions"]?.AsObject() ?? [];
        policy.Remove("definitions");
        policy.Remove("title");
        policy["$comment"] = "Generated from src/Webhook/Policy/policy.schema.json by tests/Webhook.Tests/Chart/ChartPolicySchema.cs: edit that file, not this part.";
        RewriteReferences(policy);
        RewriteReferences(definitions);
        ListPitfallIds(policy);

        var result = chart.DeepClone().AsObject();
        var chartDefinitions = new JsonObject();
        foreach (var (name, definition) in result["definitions"]?.AsObject() ?? [])
        {
            if (!name.StartsWith(Prefix, StringComparison.Ordinal))
            {
                chartDefinitions[name] = definition!.DeepClone();
            }
        }

        foreach (var (name, definition) in definitions)
        {
            chartDefinitions[Prefixed(name)] = definition!.DeepClone();
        }

        result["definitions"] = chartDefinitions;
        result["properties"]!["policy"] = policy;
        return result;
    }

    public static string ToText(JsonNode schema) => schema.ToJsonString(Written) + "\n";

    private static string Prefixed(string name) => Prefix + char.ToUpperInvariant(name[0]) + name[1..];

    private static void RewriteReferences(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                if (obj["$ref"] is JsonValue reference && reference.GetValue<string>() is var target
                    && target.StartsWith("#/definitions/", StringComparison.Ordinal))
                {
                    obj["$ref"] = "#/definitions/" + Prefixed(target["#/definitions/".Length..]);
                }

                foreach (var (_, child) in obj)
                {
                    RewriteReferences(child);
                }

                break;
            case JsonArray array:
                foreach (var child in array)
                {
                    RewriteReferences(child);
                }

                break;
        }
    }

    private static void ListPitfallIds(JsonObject policy)
    {
        var items = policy["properties"]!["spec"]!["properties"]!["pitfalls"]!["properties"]!["ignore"]!["items"]!.AsObject();
        items["enum"] = new JsonArray([.. PitfallCatalog.All.Select(d => JsonValue.Create(d.Id))]);
    }
}

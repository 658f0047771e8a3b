using System.Text.Json;
using System.Text.Json.Nodes;
using DeadlineGuard.Json;
using Json.Schema;

namespace DeadlineGuard.Tests.Support;

/// <summary>
/// The openAPIV3Schema of the upstream Rollout CRD (v1.9.1) as a JSON Schema, to check objects the way the
/// API server's structural validation would. Kubernetes extensions are translated or dropped first:
/// <c>x-kubernetes-int-or-string</c> becomes <c>anyOf [integer, string]</c>, other <c>x-kubernetes-*</c>
/// keywords (list types, map types, CEL rules, preserve-unknown-fields) have no JSON Schema meaning here.
/// </summary>
public static class RolloutCrdSchema
{
    private static readonly Lazy<JsonSchema> Schema = new(Load);

    private static readonly EvaluationOptions Options = new() { OutputFormat = OutputFormat.List };

    /// <summary>The schema as JSON, after translation (for inspection in tests).</summary>
    public static JsonObject Translated => TranslatedSchema.Value;

    private static readonly Lazy<JsonObject> TranslatedSchema = new(() => Translate(ReadOpenApiSchema()));

    /// <summary>Every problem found in <paramref name="rollout"/>, as "instance location: message"; empty when it conforms.</summary>
    public static IReadOnlyList<string> Problems(JsonNode? rollout)
    {
        var results = Schema.Value.Evaluate(JsonSerializer.SerializeToElement(rollout), Options);
        if (results.IsValid)
        {
            return [];
        }

        var problems = new List<string>();
        Collect(results, problems);
        return problems.Count > 0 ? problems : ["(invalid, with no message)"];
    }

    public static bool Accepts(JsonNode? rollout) =>
        Schema.Value.Evaluate(JsonSerializer.SerializeToElement(rollout), EvaluationOptions.Default).IsValid;

    private static void Collect(EvaluationResults results, List<string> problems)
    {
        if (results.Errors is { } errors)
        {
            problems.AddRange(errors.Select(e => $"{results.InstanceLocation}: {e.Key}: {e.Value}"));
        }

        foreach (var detail in results.Details ?? [])
        {
            Collect(detail, problems);
        }
    }

    private static JsonSchema Load()
    {
        // A fresh registry: the schema has no $id, and the global registry is shared by every test.
        var options = new BuildOptions { SchemaRegistry = new SchemaRegistry() };
        return JsonSchema.Build(JsonSerializer.SerializeToElement(Translated), options, new Uri("https://argoproj.io/schemas/rollout-v1.9.1"));
    }

    private static JsonObject ReadOpenApiSchema()
    {
        TestPaths.RequireArgoFixtures();
        var crd = YamlJson.ParseStream(File.ReadAllText(TestPaths.RolloutCrd)).Single().Root;
        return crd?["spec"]?["versions"]?[0]?["schema"]?["openAPIV3Schema"] as JsonObject
            ?? throw new InvalidOperationException($"{TestPaths.RolloutCrd} has no spec.versions[0].schema.openAPIV3Schema");
    }

    /// <summary>A copy of one OpenAPI v3 (Kubernetes structural) schema node as a JSON Schema node.</summary>
    public static JsonObject Translate(JsonObject openApi)
    {
        var schema = new JsonObject();
        foreach (var (keyword, value) in openApi)
        {
            switch (keyword)
            {
                case "properties" when value is JsonObject properties:
                    var translated = new JsonObject();
                    foreach (var (name, property) in properties)
                    {
                        translated[name] = TranslateSubschema(property);
                    }

                    schema[keyword] = translated;
                    break;
                case "items" or "additionalProperties" or "not" when value is JsonObject subschema:
                    schema[keyword] = Translate(subschema);
                    break;
                case "allOf" or "anyOf" or "oneOf" when value is JsonArray list:
                    schema[keyword] = new JsonArray(list.Select(TranslateSubschema).ToArray());
                    break;
                case "nullable":
                    break;
                case var extension when extension.StartsWith("x-kubernetes-", StringComparison.Ordinal):
                    break;
                default:
                    schema[keyword] = value?.DeepClone();
                    break;
            }
        }

        // An int-or-string field (x-kubernetes-int-or-string: true) takes either; a "type" would forbid one.
        if (JsonValues.TryGetBool(openApi["x-kubernetes-int-or-string"], out var intOrString) && intOrString)
        {
            schema.Remove("type");
            if (!schema.ContainsKey("anyOf"))
            {
                schema["anyOf"] = new JsonArray(new JsonObject { ["type"] = "integer" }, new JsonObject { ["type"] = "string" });
            }
        }

        // OpenAPI's nullable: true admits null besides the declared type.
        if (JsonValues.TryGetBool(openApi["nullable"], out var nullable) && nullable && JsonValues.GetString(schema["type"]) is { } type)
        {
            schema["type"] = new JsonArray(type, "null");
        }

        return schema;
    }

    private static JsonNode? TranslateSubschema(JsonNode? node) => node is JsonObject obj ? Translate(obj) : node?.DeepClone();
}

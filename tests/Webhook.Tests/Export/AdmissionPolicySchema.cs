using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using DeadlineGuard.Tests.Support;
using Json.Schema;

namespace DeadlineGuard.Tests.Export;

/// <summary>
/// The Kubernetes API schema of ValidatingAdmissionPolicy(Binding) and MutatingAdmissionPolicy(Binding) in
/// admissionregistration.k8s.io v1 and v1beta1, as JSON Schema: admissionregistration-policies.schema.json,
/// derived from the k8s.io/api Go types (its $comment names the commit and the rules applied). Unknown fields are
/// refused, as kubectl apply --validate=strict refuses them.
/// </summary>
public static class AdmissionPolicySchema
{
    public static string File { get; } = Path.Combine(TestPaths.RepositoryRoot, "tests", "Webhook.Tests", "Export", "admissionregistration-policies.schema.json");

    private static readonly Lazy<JsonObject> Document = new(() => JsonNode.Parse(System.IO.File.ReadAllText(File))!.AsObject());

    private static readonly ConcurrentDictionary<string, JsonSchema> Schemas = new();

    private static readonly EvaluationOptions Options = new() { OutputFormat = OutputFormat.List };

    /// <summary>The definition names the schema holds, such as "v1.ValidatingAdmissionPolicy".</summary>
    public static IEnumerable<string> Definitions => Document.Value["$defs"]!.AsObject().Select(d => d.Key);

    /// <summary>Every way <paramref name="obj"/> breaks the schema of its apiVersion and kind; empty when it conforms.</summary>
    public static IReadOnlyList<string> Problems(JsonObject obj)
    {
        var apiVersion = obj["apiVersion"]?.GetValue<string>() ?? string.Empty;
        var kind = obj["kind"]?.GetValue<string>() ?? string.Empty;
        if (!apiVersion.StartsWith("admissionregistration.k8s.io/", StringComparison.Ordinal))
        {
            return [$"apiVersion {apiVersion} is not admissionregistration.k8s.io"];
        }

        var definition = $"{apiVersion["admissionregistration.k8s.io/".Length..]}.{kind}";
        if (!Definitions.Contains(definition))
        {
            return [$"no schema for {apiVersion} {kind}"];
        }

        var schema = Schemas.GetOrAdd(definition, Build);
        var results = schema.Evaluate(JsonSerializer.SerializeToElement(obj), Options);
        if (results.IsValid)
        {
            return [];
        }

        var problems = new List<string>();
        Collect(results, problems);
        return problems.Count > 0 ? problems : ["(invalid, with no message)"];
    }

    private static JsonSchema Build(string definition)
    {
        var root = Document.Value.DeepClone().AsObject();
        root["$ref"] = $"#/$defs/{definition}";
        var options = new BuildOptions { SchemaRegistry = new SchemaRegistry() };
        return JsonSchema.Build(JsonSerializer.SerializeToElement(root), options, new Uri($"https://deadline-guard.io/tests/admissionregistration/{definition}"));
    }

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
}

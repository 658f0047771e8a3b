using System.Text.Json.Nodes;

namespace DeadlineGuard.Tests.Export;

/// <summary>One admission request for tests/cel/export-policy.mjs: a Rollout CREATE or UPDATE in a namespace with labels.</summary>
public sealed record CelCase(
    string Id,
    string Namespace,
    IReadOnlyDictionary<string, string> NamespaceLabels,
    string Operation,
    string User,
    JsonObject Object,
    JsonObject? OldObject = null)
{
    public JsonObject ToJson() => new()
    {
        ["id"] = Id,
        ["namespace"] = Namespace,
        ["namespaceLabels"] = new JsonObject(NamespaceLabels.Select(l => KeyValuePair.Create(l.Key, (JsonNode?)l.Value))),
        ["name"] = Object["metadata"]?["name"]?.GetValue<string>() ?? string.Empty,
        ["operation"] = Operation,
        ["user"] = User,
        ["object"] = ApiServerJson.Tagged(Object),
        ["oldObject"] = ApiServerJson.Tagged(OldObject),
    };
}

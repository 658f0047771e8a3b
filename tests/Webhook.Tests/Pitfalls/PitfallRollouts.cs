using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using DeadlineGuard.Json;

namespace DeadlineGuard.Tests.Pitfalls;

/// <summary>Rollouts for the pitfall tests: two clean ones, and edits by dotted path with YAML values.</summary>
public static class PitfallRollouts
{
    /// <summary>A canary with a readinessProbe, a timed pause and no traffic routing: no pitfall at all.</summary>
    public const string CleanCanary = """
        apiVersion: argoproj.io/v1alpha1
        kind: Rollout
        metadata: {name: web, namespace: shop}
        spec:
          replicas: 3
          selector: {matchLabels: {app: web}}
          template:
            metadata: {labels: {app: web}}
            spec:
              containers:
              - name: web
                image: example.com/web:1
                readinessProbe: {httpGet: {path: /healthz, port: 8080}}
          strategy:
            canary:
              steps:
              - setWeight: 20
              - pause: {duration: 1h}
        """;

    /// <summary>A BlueGreen that auto-promotes and keeps an aborted preview up (abortScaleDownDelaySeconds: 0): no pitfall.</summary>
    public const string CleanBlueGreen = """
        apiVersion: argoproj.io/v1alpha1
        kind: Rollout
        metadata: {name: shop, namespace: shop}
        spec:
          replicas: 2
          selector: {matchLabels: {app: shop}}
          template:
            metadata: {labels: {app: shop}}
            spec:
              containers:
              - name: shop
                image: example.com/shop:1
                readinessProbe: {httpGet: {path: /ready, port: 8080}}
          strategy:
            blueGreen:
              activeService: shop-active
              previewService: shop-preview
              abortScaleDownDelaySeconds: 0
        """;

    public static JsonObject Parse(string yaml) =>
        YamlJson.ParseStream(yaml)[0].Root as JsonObject ?? throw new InvalidOperationException("not a mapping");

    public static JsonElement Element(JsonNode? node) => JsonSerializer.SerializeToElement(node);

    /// <summary>
    /// <paramref name="yaml"/> with each edit applied: a dotted path (list items by index) and a YAML value,
    /// or <c>~remove</c> to delete the member. Missing objects on the way are created.
    /// </summary>
    public static JsonObject With(string yaml, params (string Path, string Value)[] edits)
    {
        var rollout = Parse(yaml);
        foreach (var (path, value) in edits)
        {
            Set(rollout, path, value);
        }

        return rollout;
    }

    public static Func<JsonObject> Canary(params (string Path, string Value)[] edits) => () => With(CleanCanary, edits);

    public static Func<JsonObject> BlueGreen(params (string Path, string Value)[] edits) => () => With(CleanBlueGreen, edits);

    private static void Set(JsonNode root, string path, string value)
    {
        var parts = path.Split('.');
        var node = root;
        for (var i = 0; i < parts.Length - 1; i++)
        {
            node = Child(node, parts[i], create: true)!;
        }

        var last = parts[^1];
        if (value == "~remove")
        {
            if (node is JsonObject obj)
            {
                obj.Remove(last);
            }

            return;
        }

        var parsed = YamlJson.ParseStream("v: " + value)[0].Root!["v"]?.DeepClone();
        switch (node)
        {
            case JsonObject obj:
                obj[last] = parsed;
                break;
            case JsonArray array when int.Parse(last, CultureInfo.InvariantCulture) == array.Count:
                array.Add(parsed);
                break;
            case JsonArray array:
                array[int.Parse(last, CultureInfo.InvariantCulture)] = parsed;
                break;
            default:
                throw new InvalidOperationException($"cannot set {path}");
        }
    }

    private static JsonNode? Child(JsonNode node, string name, bool create)
    {
        if (node is JsonArray array)
        {
            return array[int.Parse(name, CultureInfo.InvariantCulture)];
        }

        var obj = (JsonObject)node;
        if (obj[name] is null && create)
        {
            obj[name] = new JsonObject();
        }

        return obj[name];
    }
}

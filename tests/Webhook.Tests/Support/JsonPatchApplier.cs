using System.Globalization;
using System.Text.Json.Nodes;

namespace DeadlineGuard.Tests.Support;

/// <summary>
/// Applies an RFC 6902 patch (add, replace, remove) to a copy of a document, as the API server would;
/// written independently of the product's diff so that a test can check what the patch really does.
/// </summary>
public static class JsonPatchApplier
{
    public static JsonNode Apply(JsonNode document, JsonArray patch)
    {
        var result = document.DeepClone();
        foreach (var item in patch)
        {
            var operation = item!.AsObject();
            var op = operation["op"]!.GetValue<string>();
            var path = operation["path"]!.GetValue<string>();
            var (parent, token) = Resolve(result, path);
            switch (op)
            {
                case "add":
                    Add(parent, token, operation["value"]?.DeepClone());
                    break;
                case "replace":
                    Remove(parent, token);
                    Add(parent, token, operation["value"]?.DeepClone());
                    break;
                case "remove":
                    Remove(parent, token);
                    break;
                default:
                    throw new InvalidOperationException($"operation {op} is not used by the webhook");
            }
        }

        return result;
    }

    private static (JsonNode Parent, string Token) Resolve(JsonNode root, string path)
    {
        if (!path.StartsWith('/'))
        {
            throw new InvalidOperationException($"path {path} is not a JSON Pointer to a member");
        }

        var tokens = path[1..].Split('/').Select(t => t.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)).ToArray();
        var node = root;
        foreach (var token in tokens[..^1])
        {
            node = node switch
            {
                JsonObject o => o[token] ?? throw new InvalidOperationException($"{path}: no member {token}"),
                JsonArray a => a[int.Parse(token, CultureInfo.InvariantCulture)] ?? throw new InvalidOperationException($"{path}: null at {token}"),
                _ => throw new InvalidOperationException($"{path}: cannot descend into a value at {token}"),
            };
        }

        return (node, tokens[^1]);
    }

    private static void Add(JsonNode parent, string token, JsonNode? value)
    {
        switch (parent)
        {
            case JsonObject o:
                o[token] = value;
                break;
            case JsonArray a when token == "-":
                a.Add(value);
                break;
            case JsonArray a:
                a.Insert(int.Parse(token, CultureInfo.InvariantCulture), value);
                break;
            default:
                throw new InvalidOperationException($"cannot add {token} to a value");
        }
    }

    private static void Remove(JsonNode parent, string token)
    {
        switch (parent)
        {
            case JsonObject o when o.ContainsKey(token):
                o.Remove(token);
                break;
            case JsonArray a:
                a.RemoveAt(int.Parse(token, CultureInfo.InvariantCulture));
                break;
            default:
                throw new InvalidOperationException($"nothing to remove at {token}");
        }
    }
}

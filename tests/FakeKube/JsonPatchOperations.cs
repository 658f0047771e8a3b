using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DeadlineGuard.Tests.Support.FakeKube;

/// <summary>A patch operation that cannot be applied: its path does not exist, or it is malformed.</summary>
public sealed class JsonPatchApplyException(string message) : Exception(message);

/// <summary>
/// Applies RFC 6902 JSON Patch documents (add, remove, replace) the way the API server does: the fake API server's
/// json-patch+json support, and the tests' independent reader of what the webhook emits (through
/// <c>JsonPatchApplier</c>), so that a wrong path or a bad escape shows as an error.
/// </summary>
public static class JsonPatchOperations
{
    /// <summary>Applies a JSON Patch document to a copy of <paramref name="document"/>; the input is left unchanged.</summary>
    public static JsonNode? Apply(JsonNode? document, JsonArray patch)
    {
        var result = document?.DeepClone();
        for (var i = 0; i < patch.Count; i++)
        {
            if (patch[i] is not JsonObject operation)
            {
                throw new JsonPatchApplyException($"operation {i} is not an object");
            }

            var op = operation["op"] is JsonValue o && o.GetValueKind() == JsonValueKind.String ? o.GetValue<string>() : null;
            var path = operation["path"] is JsonValue p && p.GetValueKind() == JsonValueKind.String ? p.GetValue<string>() : null;
            if (path is null)
            {
                throw new JsonPatchApplyException($"operation {i} has no string \"path\"");
            }

            result = op switch
            {
                "add" => Add(result, path, ValueOf(operation, i)),
                "remove" => Remove(result, path),
                "replace" => Replace(result, path, ValueOf(operation, i)),
                _ => throw new JsonPatchApplyException($"operation {i}: op {op ?? "(missing)"} is not supported here"),
            };
        }

        return result;
    }

    /// <summary>The reference tokens of an RFC 6901 pointer, unescaped: "~1" becomes '/' first, then "~0" becomes '~'.</summary>
    public static IReadOnlyList<string> ParsePointer(string pointer)
    {
        if (pointer.Length == 0)
        {
            return [];
        }

        if (pointer[0] != '/')
        {
            throw new JsonPatchApplyException($"pointer \"{pointer}\" must be empty or start with '/'");
        }

        var tokens = pointer[1..].Split('/');
        for (var t = 0; t < tokens.Length; t++)
        {
            var token = tokens[t];
            for (var c = 0; c < token.Length; c++)
            {
                if (token[c] == '~' && (c + 1 >= token.Length || token[c + 1] is not ('0' or '1')))
                {
                    throw new JsonPatchApplyException($"pointer \"{pointer}\" has '~' not followed by 0 or 1");
                }
            }

            tokens[t] = token.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
        }

        return tokens;
    }

    private static JsonNode? ValueOf(JsonObject operation, int index) =>
        operation.TryGetPropertyValue("value", out var value)
            ? value?.DeepClone()
            : throw new JsonPatchApplyException($"operation {index} has no \"value\"");

    private static JsonNode? Add(JsonNode? root, string path, JsonNode? value)
    {
        var tokens = ParsePointer(path);
        if (tokens.Count == 0)
        {
            return value;
        }

        var (parent, last) = Parent(root, tokens, path);
        switch (parent)
        {
            case JsonObject obj:
                obj[last] = value;
                break;
            case JsonArray array:
                var index = last == "-" ? array.Count : Index(last, path);
                if (index > array.Count)
                {
                    throw new JsonPatchApplyException($"add {path}: index {index} is beyond the end of an array of {array.Count}");
                }

                array.Insert(index, value);
                break;
            default:
                throw new JsonPatchApplyException($"add {path}: the parent is not an object or array");
        }

        return root;
    }

    private static JsonNode? Remove(JsonNode? root, string path)
    {
        var tokens = ParsePointer(path);
        if (tokens.Count == 0)
        {
            throw new JsonPatchApplyException("remove: the whole document cannot be removed");
        }

        var (parent, last) = Parent(root, tokens, path);
        switch (parent)
        {
            case JsonObject obj when obj.ContainsKey(last):
                obj.Remove(last);
                break;
            case JsonArray array when last != "-" && Index(last, path) < array.Count:
                array.RemoveAt(Index(last, path));
                break;
            default:
                throw new JsonPatchApplyException($"remove {path}: no such value");
        }

        return root;
    }

    private static JsonNode? Replace(JsonNode? root, string path, JsonNode? value)
    {
        var tokens = ParsePointer(path);
        if (tokens.Count == 0)
        {
            return value;
        }

        var (parent, last) = Parent(root, tokens, path);
        switch (parent)
        {
            case JsonObject obj when obj.ContainsKey(last):
                obj[last] = value;
                break;
            case JsonArray array when last != "-" && Index(last, path) < array.Count:
                array[Index(last, path)] = value;
                break;
            default:
                throw new JsonPatchApplyException($"replace {path}: no such value");
        }

        return root;
    }

    /// <summary>The container that holds the last token: every token before it must exist.</summary>
    private static (JsonNode Parent, string Last) Parent(JsonNode? root, IReadOnlyList<string> tokens, string path)
    {
        var current = root;
        for (var t = 0; t < tokens.Count - 1; t++)
        {
            var token = tokens[t];
            current = current switch
            {
                JsonObject obj when obj.TryGetPropertyValue(token, out var child) && child is not null => child,
                JsonArray array when token != "-" && Index(token, path) < array.Count && array[Index(token, path)] is { } item => item,
                _ => throw new JsonPatchApplyException($"{path}: token {t} (\"{token}\") does not exist"),
            };
        }

        return current is null
            ? throw new JsonPatchApplyException($"{path}: the document is null")
            : (current, tokens[^1]);
    }

    /// <summary>An array index token: "0" or digits without a leading zero (RFC 6901 §4).</summary>
    private static int Index(string token, string path)
    {
        var valid = token.Length > 0 && token.All(char.IsAsciiDigit) && (token.Length == 1 || token[0] != '0');
        return valid && int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out var index)
            ? index
            : throw new JsonPatchApplyException($"{path}: \"{token}\" is not an array index");
    }
}

using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DeadlineGuard.Json;

/// <summary>Typed reads of JSON values that never throw, and human descriptions of what was found.</summary>
public static class JsonValues
{
    private const int DescribeMaxLength = 40;

    /// <summary>True for a JSON number that is a whole number within Int32 (60 or 60.0, not 1e99 or 6.5).</summary>
    public static bool TryGetInt32(JsonNode? node, out int value) => FitsInt32(TryGetWhole(node, out var whole), whole, out value);

    /// <summary>True for a JSON number that is a whole number within Int64.</summary>
    public static bool TryGetInt64(JsonNode? node, out long value)
    {
        var fits = TryGetWhole(node, out var whole) && whole is >= long.MinValue and <= long.MaxValue;
        value = fits ? (long)whole : 0;
        return fits;
    }

    // Works for parsed values and for values created in code (JsonValue.Create(5) does not convert to other types).
    private static bool TryGetWhole(JsonNode? node, out decimal whole)
    {
        whole = 0;
        if (node is not JsonValue v || v.GetValueKind() != JsonValueKind.Number)
        {
            return false;
        }

        if (v.TryGetValue(out int small))
        {
            whole = small;
            return true;
        }

        if (!v.TryGetValue(out whole)
            && !decimal.TryParse(v.ToJsonString(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out whole))
        {
            return false;
        }

        return whole == decimal.Truncate(whole);
    }

    /// <summary>As <see cref="TryGetInt32(JsonNode?, out int)"/>, for a parsed element.</summary>
    public static bool TryGetInt32(JsonElement element, out int value) => FitsInt32(TryGetWhole(element, out var whole), whole, out value);

    private static bool FitsInt32(bool isWhole, decimal whole, out int value)
    {
        var fits = isWhole && whole is >= int.MinValue and <= int.MaxValue;
        value = fits ? (int)whole : 0;
        return fits;
    }

    private static bool TryGetWhole(JsonElement element, out decimal whole)
    {
        whole = 0;
        if (element.ValueKind != JsonValueKind.Number)
        {
            return false;
        }

        if (element.TryGetInt32(out var small))
        {
            whole = small;
            return true;
        }

        if (!element.TryGetDecimal(out whole)
            && !decimal.TryParse(JsonMarshal.GetRawUtf8Value(element), NumberStyles.Float, CultureInfo.InvariantCulture, out whole))
        {
            return false;
        }

        return whole == decimal.Truncate(whole);
    }

    public static string? GetString(JsonElement element) =>
        element.ValueKind == JsonValueKind.String ? element.GetString() : null;

    /// <summary>The value of a raw JSON string token (with its quotes) as UTF-8, unescaped.</summary>
    public static byte[] Utf8StringOf(ReadOnlySpan<byte> token)
    {
        var inner = token[1..^1];
        if (inner.IndexOf((byte)'\\') < 0)
        {
            return inner.ToArray();
        }

        var reader = new Utf8JsonReader(token);
        reader.Read();
        var scratch = System.Buffers.ArrayPool<byte>.Shared.Rent(inner.Length); // unescaping never lengthens
        try
        {
            return scratch.AsSpan(0, reader.CopyString(scratch)).ToArray();
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(scratch);
        }
    }

    /// <summary>As <see cref="Describe(JsonNode?)"/>, for a parsed element; an undefined element reads as null.</summary>
    public static string Describe(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Undefined or JsonValueKind.Null:
                return "null";
            case JsonValueKind.Object:
                return "a mapping";
            case JsonValueKind.Array:
                return "a list";
        }

        // Written as JsonNode.ToJsonString writes it (default encoder), so that messages read the same as before.
        var text = JsonSerializer.Serialize(element);
        if (text.Length > DescribeMaxLength)
        {
            text = string.Concat(text.AsSpan(0, DescribeMaxLength), "…");
        }

        return element.ValueKind == JsonValueKind.String ? $"{text} (a string)" : text;
    }

    public static bool TryGetBool(JsonNode? node, out bool value)
    {
        value = false;
        if (node is JsonValue v && v.GetValueKind() is JsonValueKind.True or JsonValueKind.False)
        {
            value = v.GetValueKind() == JsonValueKind.True;
            return true;
        }

        return false;
    }

    /// <summary>
    /// The node at a path of object members, or null when a step is missing or not an object. JsonNode's own
    /// indexer throws on arrays and values, and a client can send either where an object belongs.
    /// </summary>
    public static JsonNode? At(JsonNode? node, params ReadOnlySpan<string> path)
    {
        foreach (var name in path)
        {
            if (node is not JsonObject obj || !obj.TryGetPropertyValue(name, out node))
            {
                return null;
            }
        }

        return node;
    }

    public static string? GetString(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    /// <summary>What a person should read for a value found in a document: <c>"60" (a string)</c>, <c>null</c>, <c>1e99</c>.</summary>
    public static string Describe(JsonNode? node)
    {
        const int MaxLength = DescribeMaxLength;
        switch (node)
        {
            case null:
                return "null";
            case JsonObject:
                return "a mapping";
            case JsonArray:
                return "a list";
        }

        var text = node.ToJsonString();
        if (text.Length > MaxLength)
        {
            text = string.Concat(text.AsSpan(0, MaxLength), "…");
        }

        return node.GetValueKind() == JsonValueKind.String ? $"{text} (a string)" : text;
    }
}

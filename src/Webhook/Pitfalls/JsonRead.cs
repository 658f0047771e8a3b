using System.Globalization;
using System.Text.Json;

namespace DeadlineGuard.Pitfalls;

/// <summary>
/// Reads of a <see cref="JsonElement"/> that never throw: JsonElement throws on a property read of a
/// non-object, and a client can send any JSON type where an object belongs.
/// </summary>
internal static class JsonRead
{
    /// <summary>The value at a path of object members; null when a step is missing or not an object.</summary>
    public static JsonElement? At(JsonElement element, params ReadOnlySpan<string> path)
    {
        var current = element;
        foreach (var name in path)
        {
            if (current.ValueKind != JsonValueKind.Object || !current.TryGetProperty(name, out current))
            {
                return null;
            }
        }

        return current;
    }

    public static JsonElement? At(JsonElement? element, params ReadOnlySpan<string> path) =>
        element is { } e ? At(e, path) : null;

    public static bool IsObject(JsonElement? element) => element?.ValueKind == JsonValueKind.Object;

    /// <summary>Absent or JSON null: Go's decoder leaves a pointer field nil for both.</summary>
    public static bool IsAbsent(JsonElement? element) => element is null || element.Value.ValueKind == JsonValueKind.Null;

    public static bool IsTrue(JsonElement? element) => element?.ValueKind == JsonValueKind.True;

    public static bool IsFalse(JsonElement? element) => element?.ValueKind == JsonValueKind.False;

    public static string? String(JsonElement? element) =>
        element?.ValueKind == JsonValueKind.String ? element.Value.GetString() : null;

    /// <summary>Object members in document order; none when <paramref name="element"/> is not an object.</summary>
    public static IEnumerable<JsonProperty> Members(JsonElement? element) =>
        element?.ValueKind == JsonValueKind.Object ? element.Value.EnumerateObject() : [];

    /// <summary>Array items; none when <paramref name="element"/> is not an array.</summary>
    public static IReadOnlyList<JsonElement>? Items(JsonElement? element) =>
        element?.ValueKind == JsonValueKind.Array ? [.. element.Value.EnumerateArray()] : null;

    /// <summary>A whole number within Int32 (<c>60</c> or <c>60.0</c>; not <c>"60"</c>, <c>6.5</c> or <c>1e99</c>).</summary>
    public static bool TryWholeInt32(JsonElement? element, out int value)
    {
        value = 0;
        if (element is not { ValueKind: JsonValueKind.Number } number)
        {
            return false;
        }

        if (number.TryGetInt32(out value))
        {
            return true;
        }

        if (!number.TryGetDecimal(out var whole)
            && !decimal.TryParse(number.GetRawText(), NumberStyles.Float, CultureInfo.InvariantCulture, out whole))
        {
            return false;
        }

        if (whole != decimal.Truncate(whole) || whole is < int.MinValue or > int.MaxValue)
        {
            return false;
        }

        value = (int)whole;
        return true;
    }

    /// <summary>What a person should read for a value: <c>"10" (a string)</c>, <c>-1</c>, <c>a mapping</c>; at most 40 characters.</summary>
    public static string Describe(JsonElement? element)
    {
        const int MaxLength = 40;
        switch (element?.ValueKind)
        {
            case null or JsonValueKind.Undefined:
                return "missing";
            case JsonValueKind.Object:
                return "a mapping";
            case JsonValueKind.Array:
                return "a list";
        }

        var text = element.Value.GetRawText();
        if (text.Length > MaxLength)
        {
            text = string.Concat(text.AsSpan(0, MaxLength), "…");
        }

        return element.Value.ValueKind == JsonValueKind.String ? $"{text} (a string)" : text;
    }
}

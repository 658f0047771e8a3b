using System.Text.Json;
using DeadlineGuard.Json;

namespace DeadlineGuard.Policy;

/// <summary>A field as found in a document: absent, or present with a value that may be of any JSON type.</summary>
public readonly record struct FoundValue(bool Present, JsonElement Value)
{
    /// <summary>A value the webhook supplies (an injected field).</summary>
    public static FoundValue Of(int value) => new(true, JsonSerializer.SerializeToElement(value));

    /// <inheritdoc cref="Of(int)"/>
    public static FoundValue Of(bool value) => new(true, JsonSerializer.SerializeToElement(value));

    public bool IsInt32 => Present && JsonValues.TryGetInt32(Value, out _);

    public int Int32 => Present && JsonValues.TryGetInt32(Value, out var value) ? value : 0;

    public bool IsTrue => Present && Value.ValueKind == JsonValueKind.True;

    public string Describe() => Present ? JsonValues.Describe(Value) : "missing";
}

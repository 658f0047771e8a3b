using System.Text.Json;

namespace DeadlineGuard.Pitfalls;

/// <summary>A field that holds seconds (or a count): absent (JSON null counts as absent), usable, or unusable.</summary>
/// <param name="Unusable">What was found when it is present but not usable (<c>"10" (a string)</c>, <c>-1</c>); else null.</param>
internal readonly record struct SecondsField(bool Present, bool Usable, long Value, string? Unusable)
{
    public static SecondsField Absent { get; } = new(false, true, 0, null);

    /// <summary>What a person should read for the value: <c>missing</c>, the number, or what was found instead.</summary>
    public string Found => !Present ? "missing" : Unusable ?? Value.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Usable when a whole number within Int32 and not negative: the only values the API server keeps.</summary>
    public static SecondsField Read(JsonElement? element)
    {
        if (JsonRead.IsAbsent(element))
        {
            return Absent;
        }

        // The text of a usable value is written only when asked for (Found): admission never asks.
        return JsonRead.TryWholeInt32(element, out var value) && value >= 0
            ? new SecondsField(true, true, value, null)
            : new SecondsField(true, false, 0, JsonRead.Describe(element));
    }

    /// <summary>The value, or <paramref name="fallback"/> when absent or 0 (Kubernetes defaults zero probe fields).</summary>
    public long OrDefault(long fallback) => Present && Value > 0 ? Value : fallback;
}

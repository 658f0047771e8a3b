using System.Text.Json;

namespace DeadlineGuard.Pitfalls;

/// <summary>A field that holds seconds (or a count): absent (JSON null counts as absent), usable, or unusable.</summary>
internal readonly record struct SecondsField(bool Present, bool Usable, long Value, string Found)
{
    public static SecondsField Absent { get; } = new(false, true, 0, "missing");

    /// <summary>Usable when a whole number within Int32 and not negative: the only values the API server keeps.</summary>
    public static SecondsField Read(JsonElement? element)
    {
        if (JsonRead.IsAbsent(element))
        {
            return Absent;
        }

        return JsonRead.TryWholeInt32(element, out var value) && value >= 0
            ? new SecondsField(true, true, value, value.ToString(System.Globalization.CultureInfo.InvariantCulture))
            : new SecondsField(true, false, 0, JsonRead.Describe(element));
    }

    /// <summary>The value, or <paramref name="fallback"/> when absent or 0 (Kubernetes defaults zero probe fields).</summary>
    public long OrDefault(long fallback) => Present && Value > 0 ? Value : fallback;
}

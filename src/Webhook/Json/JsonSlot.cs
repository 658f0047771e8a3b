using System.Text.Json;

namespace DeadlineGuard.Json;

/// <summary>
/// Where a value lies in a scanned JSON text: from its first byte to the byte after it, and its kind
/// (<see cref="JsonValueKind.Undefined"/> when the path was not there). <see cref="CanonicalReady"/> (for paths
/// asked to track it) says the raw bytes are already the value's canonical form (<see cref="CanonicalJson"/>):
/// compact, every object's keys in ascending ordinal order, only ASCII, no escapes.
/// </summary>
public readonly record struct JsonSlot(int Start, int End, JsonValueKind Kind, bool CanonicalReady)
{
    public bool IsPresent => Kind != JsonValueKind.Undefined;

    public int Length => End - Start;
}

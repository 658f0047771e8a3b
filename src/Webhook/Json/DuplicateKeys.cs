using System.Runtime.InteropServices;
using System.Text.Json;

namespace DeadlineGuard.Json;

/// <summary>
/// Whether any object in a parsed document repeats a key. Names are compared on their raw bytes where that is
/// exact: names without escapes in strictly ascending byte order (as Go's encoding/json writes map keys, so as the
/// API server writes a custom resource) are distinct by construction, one comparison each. Other objects are
/// compared pairwise when small, through a set of their unescaped names otherwise.
/// </summary>
public static class DuplicateKeys
{
    private const int PairwiseLimit = 16;

    public static bool In(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                ReadOnlySpan<byte> previous = default;
                var ascending = true;
                var escaped = false;
                var count = 0;
                foreach (var member in element.EnumerateObject())
                {
                    var name = JsonMarshal.GetRawUtf8PropertyName(member);
                    escaped |= name.Contains((byte)'\\');
                    ascending &= count == 0 || previous.SequenceCompareTo(name) < 0;
                    previous = name;
                    count++;
                    if (In(member.Value))
                    {
                        return true;
                    }
                }

                return !(ascending && !escaped) && Repeats(element, count, escaped);
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    if (In(item))
                    {
                        return true;
                    }
                }

                return false;
            default:
                return false;
        }
    }

    private static bool Repeats(JsonElement element, int count, bool escaped)
    {
        if (!escaped && count <= PairwiseLimit)
        {
            var index = 0;
            foreach (var member in element.EnumerateObject())
            {
                var name = JsonMarshal.GetRawUtf8PropertyName(member);
                var other = 0;
                foreach (var earlier in element.EnumerateObject())
                {
                    if (other++ == index)
                    {
                        break;
                    }

                    if (name.SequenceEqual(JsonMarshal.GetRawUtf8PropertyName(earlier)))
                    {
                        return true;
                    }
                }

                index++;
            }

            return false;
        }

        var seen = new HashSet<string>(count, StringComparer.Ordinal);
        foreach (var member in element.EnumerateObject())
        {
            if (!seen.Add(member.Name))
            {
                return true;
            }
        }

        return false;
    }
}

using System.Globalization;
using System.Text;
using System.Text.Json;

namespace DeadlineGuard.Json;

/// <summary>
/// Walks a JSON text token by token to name the first repeated key or lone surrogate escape, with the path
/// where it is. Slow (a set of keys per object), so it runs only once the fast parse has refused a text or a
/// vectorised search has found a possible surrogate escape.
/// </summary>
internal static class JsonProblemFinder
{
    private const int MaxShownKey = 60;
    private const int MaxShownPath = 160;

    private struct Frame
    {
        public bool IsArray;
        public int Index;
        public string? Key;
        public HashSet<string>? Keys;
    }

    /// <summary>The first duplicate key or lone surrogate in document order; null when there is none (or the text is not JSON).</summary>
    public static JsonProblem? Find(ReadOnlySpan<byte> text, int maxDepth)
    {
        var reader = new Utf8JsonReader(text, new JsonReaderOptions { MaxDepth = maxDepth });
        var frames = new List<Frame>();
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.PropertyName:
                        if (reader.ValueIsEscaped && LoneSurrogate(reader.ValueSpan) is { } inKey)
                        {
                            return new JsonProblem(JsonProblemKind.LoneSurrogate, $"lone surrogate escape {inKey} in a key at {Path(frames)}; strings must be valid Unicode");
                        }

                        var name = reader.GetString()!;
                        var frame = frames[^1];
                        frame.Keys ??= new HashSet<string>(StringComparer.Ordinal);
                        frame.Key = name;
                        frames[^1] = frame;
                        if (!frame.Keys.Add(name))
                        {
                            return new JsonProblem(JsonProblemKind.DuplicateKey, $"duplicate key {Quote(name)} at {Path(frames)}; a key may appear only once in an object");
                        }

                        break;
                    case JsonTokenType.StartObject or JsonTokenType.StartArray:
                        NextValue(frames);
                        frames.Add(new Frame { IsArray = reader.TokenType == JsonTokenType.StartArray, Index = -1 });
                        break;
                    case JsonTokenType.EndObject or JsonTokenType.EndArray:
                        frames.RemoveAt(frames.Count - 1);
                        break;
                    default:
                        NextValue(frames);
                        if (reader.TokenType == JsonTokenType.String && reader.ValueIsEscaped && LoneSurrogate(reader.ValueSpan) is { } inValue)
                        {
                            return new JsonProblem(JsonProblemKind.LoneSurrogate, $"lone surrogate escape {inValue} in a string at {Path(frames)}; strings must be valid Unicode");
                        }

                        break;
                }
            }
        }
        catch (JsonException)
        {
            // Not JSON: the parser's own message says why.
        }

        return null;
    }

    private static void NextValue(List<Frame> frames)
    {
        if (frames.Count > 0 && frames[^1].IsArray)
        {
            var frame = frames[^1];
            frame.Index++;
            frames[^1] = frame;
        }
    }

    /// <summary>The first <c>\uXXXX</c> escape in a raw (still escaped) string that is half of a surrogate pair without the other half.</summary>
    internal static string? LoneSurrogate(ReadOnlySpan<byte> raw)
    {
        // Most escaped strings hold only \" and the like: a vectorised search rules them out.
        if (raw.IndexOf("\\u"u8) < 0)
        {
            return null;
        }

        for (var i = 0; i < raw.Length; i++)
        {
            if (raw[i] != (byte)'\\' || i + 1 >= raw.Length)
            {
                continue;
            }

            if (raw[i + 1] != (byte)'u' || !TryHex(raw, i + 2, out var unit))
            {
                i++; // a two-character escape such as \\ or \"
                continue;
            }

            if (char.IsLowSurrogate((char)unit))
            {
                return Escape(raw, i);
            }

            if (char.IsHighSurrogate((char)unit))
            {
                if (i + 12 <= raw.Length && raw[i + 6] == (byte)'\\' && raw[i + 7] == (byte)'u' && TryHex(raw, i + 8, out var low) && char.IsLowSurrogate((char)low))
                {
                    i += 11;
                    continue;
                }

                return Escape(raw, i);
            }

            i += 5;
        }

        return null;
    }

    private static bool TryHex(ReadOnlySpan<byte> raw, int start, out int value)
    {
        value = 0;
        return start + 4 <= raw.Length
            && int.TryParse(Encoding.ASCII.GetString(raw.Slice(start, 4)), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);
    }

    private static string Escape(ReadOnlySpan<byte> raw, int at) => Encoding.ASCII.GetString(raw.Slice(at, 6));

    /// <summary>request.object.metadata.annotations["deadline-guard.io/x"].items[3], shortened from the left when long.</summary>
    private static string Path(List<Frame> frames)
    {
        var path = new StringBuilder();
        foreach (var frame in frames)
        {
            if (frame.IsArray)
            {
                path.Append(CultureInfo.InvariantCulture, $"[{Math.Max(frame.Index, 0)}]");
            }
            else if (frame.Key is { } key)
            {
                if (IsPlain(key))
                {
                    path.Append(path.Length == 0 ? string.Empty : ".").Append(key);
                }
                else
                {
                    path.Append('[').Append(Quote(key)).Append(']');
                }
            }
        }

        if (path.Length == 0)
        {
            return "the top level";
        }

        return path.Length <= MaxShownPath ? path.ToString() : "…" + path.ToString(path.Length - MaxShownPath, MaxShownPath);
    }

    private static bool IsPlain(string key) =>
        key.Length is > 0 and <= MaxShownKey && key.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-');

    /// <summary>The key as a JSON string, cut short when long.</summary>
    private static string Quote(string key)
    {
        var shown = key.Length <= MaxShownKey ? key : key[..MaxShownKey] + "…";
        return JsonSerializer.Serialize(shown);
    }
}

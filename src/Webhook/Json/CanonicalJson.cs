using System.Buffers;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DeadlineGuard.Json;

/// <summary>JSON with object keys sorted (ordinal) and no white space, so equal trees give equal bytes.</summary>
public static class CanonicalJson
{
    private const int MaxKeptScratch = 1 << 20;

    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_scratch;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    public static byte[] Serialize(JsonNode? node)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer, Options))
        {
            Write(writer, node);
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The same bytes as <see cref="Serialize(JsonNode?)"/> for the same JSON, read from a parsed element (no tree).</summary>
    public static byte[] Serialize(JsonElement element)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        Serialize(element, buffer);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>As <see cref="Serialize(JsonElement)"/>, appended to <paramref name="output"/>.</summary>
    public static void Serialize(JsonElement element, IBufferWriter<byte> output)
    {
        using var writer = CreateWriter(output);
        Write(writer, element);
    }

    /// <summary>A writer with the canonical form's settings (no white space, only the escapes JSON requires), for composite values.</summary>
    public static Utf8JsonWriter CreateWriter(IBufferWriter<byte> output) => new(output, Options);

    /// <summary>The first 16 hex digits (lower case) of SHA-256 over the canonical JSON.</summary>
    public static string Fingerprint(JsonNode? node) => FingerprintOf(Serialize(node));

    /// <summary>As <see cref="Fingerprint(JsonNode?)"/>, over a parsed element; an undefined element counts as null.</summary>
    /// <remarks>Written into a buffer and writer kept per thread: on every revision, nothing but the result is allocated.</remarks>
    public static string Fingerprint(JsonElement element)
    {
        var buffer = t_scratch ??= new ArrayBufferWriter<byte>(4096);
        buffer.ResetWrittenCount();
        var writer = t_writer ??= new Utf8JsonWriter(buffer, Options);
        writer.Reset(buffer);
        Write(writer, element);
        writer.Flush();
        var fingerprint = FingerprintOf(buffer.WrittenSpan);
        if (buffer.Capacity > MaxKeptScratch)
        {
            t_scratch = null; // a huge template once: do not keep its memory
            t_writer = null;
        }

        return fingerprint;
    }

    /// <summary>The first 16 hex digits (lower case) of SHA-256 over bytes that are already canonical JSON.</summary>
    public static string FingerprintOf(ReadOnlySpan<byte> canonical)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(canonical, hash);
        return Convert.ToHexStringLower(hash[..8]);
    }

    /// <summary>Writes <paramref name="element"/> in canonical form; an undefined element is written as null.</summary>
    public static void Write(Utf8JsonWriter writer, JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Undefined or JsonValueKind.Null:
                writer.WriteNullValue();
                break;
            case JsonValueKind.Object:
                WriteSorted(writer, element);
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in element.EnumerateArray())
                {
                    Write(writer, item);
                }

                writer.WriteEndArray();
                break;
            default:
                element.WriteTo(writer);
                break;
        }
    }

    private static void WriteSorted(Utf8JsonWriter writer, JsonElement element)
    {
        // The API server writes a custom resource's keys sorted (Go's encoding/json sorts map keys): then they are
        // written as they come, with no copy of a name and no sort.
        if (InCanonicalOrder(element))
        {
            writer.WriteStartObject();
            foreach (var member in element.EnumerateObject())
            {
                writer.WritePropertyName(JsonMarshal.GetRawUtf8PropertyName(member));
                Write(writer, member.Value);
            }

            writer.WriteEndObject();
            return;
        }

        var count = element.GetPropertyCount();
        var members = ArrayPool<(string Name, JsonElement Value)>.Shared.Rent(count);
        try
        {
            var n = 0;
            foreach (var member in element.EnumerateObject())
            {
                members[n++] = (member.Name, member.Value);
            }

            // Names compare as the strings JsonObject keys are, so both overloads sort alike.
            Array.Sort(members, 0, n, ByName.Instance);
            writer.WriteStartObject();
            for (var i = 0; i < n; i++)
            {
                writer.WritePropertyName(members[i].Name);
                Write(writer, members[i].Value);
            }

            writer.WriteEndObject();
        }
        finally
        {
            ArrayPool<(string Name, JsonElement Value)>.Shared.Return(members, clearArray: true);
        }
    }

    /// <summary>
    /// True when every name is plain ASCII (no escape) and each is above the one before it in byte order, which for
    /// ASCII is the ordinal order of their strings: the order the canonical form writes.
    /// </summary>
    private static bool InCanonicalOrder(JsonElement element)
    {
        ReadOnlySpan<byte> previous = default;
        var first = true;
        foreach (var member in element.EnumerateObject())
        {
            var name = JsonMarshal.GetRawUtf8PropertyName(member);
            if (!Ascii.IsValid(name) || name.Contains((byte)'\\') || (!first && previous.SequenceCompareTo(name) >= 0))
            {
                return false;
            }

            previous = name;
            first = false;
        }

        return true;
    }

    /// <summary>
    /// Whether two elements have the same canonical form (an undefined element counts as null), without writing
    /// either: it stops at the first difference. Objects whose names come in different orders are compared by
    /// writing both.
    /// </summary>
    public static bool Equal(JsonElement a, JsonElement b)
    {
        var kind = Kind(a);
        if (kind != Kind(b))
        {
            return false;
        }

        switch (kind)
        {
            case JsonValueKind.Null or JsonValueKind.True or JsonValueKind.False:
                return true;
            case JsonValueKind.Number:
                return JsonMarshal.GetRawUtf8Value(a).SequenceEqual(JsonMarshal.GetRawUtf8Value(b));
            case JsonValueKind.String:
                var rawA = JsonMarshal.GetRawUtf8Value(a);
                var rawB = JsonMarshal.GetRawUtf8Value(b);
                return rawA.SequenceEqual(rawB)
                    || ((rawA.Contains((byte)'\\') || rawB.Contains((byte)'\\')) && string.Equals(a.GetString(), b.GetString(), StringComparison.Ordinal));
            case JsonValueKind.Array:
                if (a.GetArrayLength() != b.GetArrayLength())
                {
                    return false;
                }

                using (var left = a.EnumerateArray())
                using (var right = b.EnumerateArray())
                {
                    while (left.MoveNext() && right.MoveNext())
                    {
                        if (!Equal(left.Current, right.Current))
                        {
                            return false;
                        }
                    }
                }

                return true;
            default:
                return EqualObjects(a, b);
        }
    }

    private static bool EqualObjects(JsonElement a, JsonElement b)
    {
        if (a.GetPropertyCount() != b.GetPropertyCount())
        {
            return false;
        }

        using (var left = a.EnumerateObject())
        using (var right = b.EnumerateObject())
        {
            while (left.MoveNext() && right.MoveNext())
            {
                if (!JsonMarshal.GetRawUtf8PropertyName(left.Current).SequenceEqual(JsonMarshal.GetRawUtf8PropertyName(right.Current)))
                {
                    // Another order or another spelling of a name: the canonical forms decide.
                    return Serialize(a).AsSpan().SequenceEqual(Serialize(b));
                }

                if (!Equal(left.Current.Value, right.Current.Value))
                {
                    return false;
                }
            }
        }

        return true;
    }

    private static JsonValueKind Kind(JsonElement element) =>
        element.ValueKind == JsonValueKind.Undefined ? JsonValueKind.Null : element.ValueKind;

    private sealed class ByName : IComparer<(string Name, JsonElement Value)>
    {
        public static readonly ByName Instance = new();

        public int Compare((string Name, JsonElement Value) x, (string Name, JsonElement Value) y) => string.CompareOrdinal(x.Name, y.Name);
    }

    private static void Write(Utf8JsonWriter writer, JsonNode? node)
    {
        switch (node)
        {
            case null:
                writer.WriteNullValue();
                break;
            case JsonObject obj:
                writer.WriteStartObject();
                foreach (var (name, value) in obj.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    writer.WritePropertyName(name);
                    Write(writer, value);
                }

                writer.WriteEndObject();
                break;
            case JsonArray array:
                writer.WriteStartArray();
                foreach (var item in array)
                {
                    Write(writer, item);
                }

                writer.WriteEndArray();
                break;
            default:
                node.WriteTo(writer);
                break;
        }
    }
}

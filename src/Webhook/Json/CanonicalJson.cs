using System.Buffers;
using System.Security.Cryptography;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DeadlineGuard.Json;

/// <summary>JSON with object keys sorted (ordinal) and no white space, so equal trees give equal bytes.</summary>
public static class CanonicalJson
{
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };

    public static byte[] Serialize(JsonNode? node)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer, Options))
        {
            Write(writer, node);
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The same bytes as <see cref="Serialize(JsonNode?)"/> for the same JSON, read from a parsed element (no tree).</summary>
    public static byte[] Serialize(JsonElement element)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(1024);
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
    public static string Fingerprint(JsonElement element) => FingerprintOf(Serialize(element));

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

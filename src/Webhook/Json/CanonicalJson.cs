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
        using (var writer = new Utf8JsonWriter(buffer, Options))
        {
            Write(writer, element);
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The first 16 hex digits (lower case) of SHA-256 over the canonical JSON.</summary>
    public static string Fingerprint(JsonNode? node) => FingerprintOf(Serialize(node));

    /// <summary>As <see cref="Fingerprint(JsonNode?)"/>, over a parsed element; an undefined element counts as null.</summary>
    public static string Fingerprint(JsonElement element) => FingerprintOf(Serialize(element));

    private static string FingerprintOf(ReadOnlySpan<byte> canonical)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(canonical, hash);
        return Convert.ToHexStringLower(hash[..8]);
    }

    private static void Write(Utf8JsonWriter writer, JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Undefined or JsonValueKind.Null:
                writer.WriteNullValue();
                break;
            case JsonValueKind.Object:
                writer.WriteStartObject();
                var members = new List<JsonProperty>();
                foreach (var member in element.EnumerateObject())
                {
                    members.Add(member);
                }

                // Names compare as the strings JsonObject keys are, so both overloads sort alike.
                members.Sort(static (a, b) => string.CompareOrdinal(a.Name, b.Name));
                foreach (var member in members)
                {
                    writer.WritePropertyName(member.Name);
                    Write(writer, member.Value);
                }

                writer.WriteEndObject();
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

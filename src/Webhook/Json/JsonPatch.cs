using System.Text.Json;
using System.Text.Json.Nodes;

namespace DeadlineGuard.Json;

/// <summary>Writes RFC 6902 JSON Patch documents.</summary>
public static class JsonPatch
{
    /// <summary>
    /// Only the escapes JSON requires: the patch travels base64-encoded inside the answer, never in HTML, and the
    /// history annotation it carries is full of quotes that the default encoder would write as six bytes each.
    /// </summary>
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static byte[] Serialize(IReadOnlyList<PatchOperation> operations)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        Serialize(operations, buffer);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>As <see cref="Serialize(IReadOnlyList{PatchOperation})"/>, appended to <paramref name="output"/>.</summary>
    public static void Serialize(IReadOnlyList<PatchOperation> operations, System.Buffers.IBufferWriter<byte> output)
    {
        using var writer = new Utf8JsonWriter(output, WriterOptions);
        Write(writer, operations);
    }

    public static JsonArray ToJson(IReadOnlyList<PatchOperation> operations)
    {
        var array = new JsonArray();
        foreach (var operation in operations)
        {
            var item = new JsonObject { ["op"] = operation.Op, ["path"] = operation.Path };
            if (operation.Op != "remove")
            {
                item["value"] = operation.Value?.DeepClone();
            }

            array.Add(item);
        }

        return array;
    }

    public static void Write(Utf8JsonWriter writer, IReadOnlyList<PatchOperation> operations)
    {
        writer.WriteStartArray();
        foreach (var operation in operations)
        {
            writer.WriteStartObject();
            writer.WriteString("op", operation.Op);
            writer.WriteString("path", operation.Path);
            if (operation.Op != "remove")
            {
                writer.WritePropertyName("value");
                if (operation.Value is null)
                {
                    writer.WriteNullValue();
                }
                else
                {
                    operation.Value.WriteTo(writer);
                }
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }
}

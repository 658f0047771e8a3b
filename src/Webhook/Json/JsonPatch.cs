using System.Text.Json;
using System.Text.Json.Nodes;

namespace DeadlineGuard.Json;

/// <summary>One RFC 6902 operation. <see cref="Value"/> is unused for "remove".</summary>
public sealed record PatchOperation(string Op, string Path, JsonNode? Value)
{
    public static PatchOperation Add(string path, JsonNode? value) => new("add", path, value);

    public static PatchOperation Replace(string path, JsonNode? value) => new("replace", path, value);

    public static PatchOperation Remove(string path) => new("remove", path, null);
}

/// <summary>
/// Computes the JSON Patch that turns a raw object into its mutated copy (the controller-runtime
/// "PatchResponseFromRaw" approach): fields nobody touched produce no operation.
/// </summary>
public static class JsonPatch
{
    public static IReadOnlyList<PatchOperation> Diff(JsonNode? original, JsonNode? mutated)
    {
        var operations = new List<PatchOperation>();
        DiffInto(operations, string.Empty, original, mutated);
        return operations;
    }

    private static void DiffInto(List<PatchOperation> operations, string path, JsonNode? original, JsonNode? mutated)
    {
        if (original is JsonObject before && mutated is JsonObject after)
        {
            foreach (var (name, oldValue) in before)
            {
                if (!after.TryGetPropertyValue(name, out var newValue))
                {
                    operations.Add(PatchOperation.Remove(JsonPointer.Append(path, name)));
                }
                else if (!JsonNode.DeepEquals(oldValue, newValue))
                {
                    DiffInto(operations, JsonPointer.Append(path, name), oldValue, newValue);
                }
            }

            foreach (var (name, newValue) in after)
            {
                if (!before.ContainsKey(name))
                {
                    operations.Add(PatchOperation.Add(JsonPointer.Append(path, name), newValue?.DeepClone()));
                }
            }

            return;
        }

        // Arrays and scalars are replaced whole: the webhook never edits inside an array.
        if (!JsonNode.DeepEquals(original, mutated))
        {
            operations.Add(PatchOperation.Replace(path, mutated?.DeepClone()));
        }
    }

    public static byte[] Serialize(IReadOnlyList<PatchOperation> operations)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            Write(writer, operations);
        }

        return buffer.ToArray();
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

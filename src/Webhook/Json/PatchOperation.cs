using System.Text.Json.Nodes;

namespace DeadlineGuard.Json;

/// <summary>One RFC 6902 operation. <see cref="Value"/> is unused for "remove".</summary>
public sealed record PatchOperation(string Op, string Path, JsonNode? Value)
{
    public static PatchOperation Add(string path, JsonNode? value) => new("add", path, value);

    public static PatchOperation Replace(string path, JsonNode? value) => new("replace", path, value);

    public static PatchOperation Remove(string path) => new("remove", path, null);
}

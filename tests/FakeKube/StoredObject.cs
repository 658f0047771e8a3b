using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DeadlineGuard.Tests.Support.FakeKube;

/// <summary>
/// One stored object as the API server keeps it: its serialized JSON (never changed once made, so the table, the
/// change log and every watch share one array) and its namespace (null for cluster-scoped types).
/// </summary>
internal sealed class StoredObject(string? ns, byte[] json)
{
    /// <summary>
    /// Quotes and non-ASCII text as Go's encoding/json writes them (\" and the UTF-8 itself), not \u0022; only the
    /// characters JSON requires are escaped.
    /// </summary>
    public static readonly JsonSerializerOptions Wire = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public string? Namespace { get; } = ns;

    public byte[] Json { get; } = json;

    public static StoredObject From(string? ns, JsonObject obj) => new(ns, JsonSerializer.SerializeToUtf8Bytes(obj, Wire));

    /// <summary>A new tree of the object, the caller's to change.</summary>
    public JsonObject Parse() => JsonNode.Parse(Json)!.AsObject();
}

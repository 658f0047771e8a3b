using System.Text.Json.Nodes;
using DeadlineGuard.Json;
using DeadlineGuard.Tests.Support.FakeKube;

namespace DeadlineGuard.Tests.Support;

/// <summary>
/// Applies RFC 6902 JSON Patch documents the way the API server does, for tests only: the fake API server's own
/// applier (<see cref="JsonPatchOperations"/>), an independent reader of what the webhook emits, so that a wrong
/// path or a bad escape shows as an error.
/// </summary>
public static class JsonPatchApplier
{
    /// <summary>Applies the operations as they travel on the wire: serialised, parsed back, then applied to a copy.</summary>
    public static JsonNode? Apply(JsonNode? document, IReadOnlyList<PatchOperation> operations) =>
        Apply(document, JsonNode.Parse(JsonPatch.Serialize(operations))!.AsArray());

    /// <inheritdoc cref="JsonPatchOperations.Apply"/>
    public static JsonNode? Apply(JsonNode? document, JsonArray patch) => JsonPatchOperations.Apply(document, patch);

    /// <inheritdoc cref="JsonPatchOperations.ParsePointer"/>
    public static IReadOnlyList<string> ParsePointer(string pointer) => JsonPatchOperations.ParsePointer(pointer);
}

using System.Text.Json.Nodes;
using DeadlineGuard.Json;

namespace DeadlineGuard.Admission;

/// <summary>A field as found in a document: absent, or present with a value that may be of any JSON type.</summary>
public readonly record struct FoundValue(bool Present, JsonNode? Node)
{
    public static FoundValue Of(JsonObject? parent, string name) =>
        parent is not null && parent.TryGetPropertyValue(name, out var node) ? new FoundValue(true, node) : default;

    public bool IsInt32 => Present && JsonValues.TryGetInt32(Node, out _);

    public int Int32 => JsonValues.TryGetInt32(Node, out var value) ? value : 0;

    public bool IsTrue => Present && JsonValues.TryGetBool(Node, out var value) && value;

    public string Describe() => Present ? JsonValues.Describe(Node) : "missing";
}

/// <summary>The parts of a Rollout the deadline rules read.</summary>
public sealed record RolloutDeadlineFields(FoundValue Deadline, FoundValue Abort, int MinReadySeconds)
{
    public const string DeadlineField = "spec.progressDeadlineSeconds";
    public const string AbortField = "spec.progressDeadlineAbort";

    public static RolloutDeadlineFields From(JsonObject rollout)
    {
        var spec = rollout["spec"] as JsonObject;
        return new RolloutDeadlineFields(
            FoundValue.Of(spec, "progressDeadlineSeconds"),
            FoundValue.Of(spec, "progressDeadlineAbort"),
            MinReadySecondsOf(spec));
    }

    /// <summary>spec.minReadySeconds when it is a usable whole number, else 0 (the API server rejects other values itself).</summary>
    public static int MinReadySecondsOf(JsonObject? spec) =>
        JsonValues.TryGetInt32(spec?["minReadySeconds"], out var value) && value > 0 ? value : 0;
}

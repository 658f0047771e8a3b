using System.Text.Json;
using DeadlineGuard.Json;

namespace DeadlineGuard.History;

/// <summary>
/// The parts of a Rollout the admission decisions and the revision history read, located once in a parsed
/// request. Nothing is copied: each property is an element of the request's document, valid while the request
/// is (see <c>AdmissionRequest.Dispose</c>). An element that is absent is <see cref="JsonValueKind.Undefined"/>;
/// one that is present with another type than expected keeps its kind, so callers can say what they found.
/// </summary>
public sealed class RolloutView
{
    private RolloutView(JsonElement element)
    {
        Element = element;
        Metadata = JsonValues.Member(element, "metadata"u8);
        Spec = JsonValues.Member(element, "spec"u8);
        Annotations = JsonValues.Member(Metadata, "annotations"u8);
    }

    /// <summary>The whole object.</summary>
    public JsonElement Element { get; }

    /// <summary><c>metadata</c>: undefined when absent, of any kind when present.</summary>
    public JsonElement Metadata { get; }

    /// <summary><c>metadata.annotations</c>: undefined when absent or when metadata is not an object.</summary>
    public JsonElement Annotations { get; }

    /// <summary><c>spec</c>: undefined when absent, of any kind when present.</summary>
    public JsonElement Spec { get; }

    public bool HasSpecObject => Spec.ValueKind == JsonValueKind.Object;

    /// <summary><c>spec.template</c>, undefined when absent (or spec is not an object).</summary>
    public JsonElement Template => JsonValues.Member(Spec, "template"u8);

    /// <summary><c>spec.workloadRef</c>, undefined when absent (or spec is not an object).</summary>
    public JsonElement WorkloadRef => JsonValues.Member(Spec, "workloadRef"u8);

    public static RolloutView Of(JsonElement rollout) => new(rollout);

    /// <summary>A member of <c>spec</c>; false when spec is not an object or lacks it (a JSON null counts as present).</summary>
    public bool TryGetSpecField(string name, out JsonElement value)
    {
        value = default;
        return HasSpecObject && Spec.TryGetProperty(name, out value);
    }

    /// <summary>An annotation's value, of whatever kind the client sent; false when absent or annotations is not an object.</summary>
    public bool TryGetAnnotation(string key, out JsonElement value)
    {
        value = default;
        return Annotations.ValueKind == JsonValueKind.Object && Annotations.TryGetProperty(key, out value);
    }

    /// <summary>A string annotation's value; null when absent or not a string.</summary>
    public string? StringAnnotation(string key) => TryGetAnnotation(key, out var value) ? JsonValues.GetString(value) : null;
}

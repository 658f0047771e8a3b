using System.Buffers;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using DeadlineGuard.History;
using DeadlineGuard.Json;

namespace DeadlineGuard.Reconciler;

/// <summary>A Rollout condition as the controller writes it (types.go RolloutCondition).</summary>
public sealed record RolloutCondition(string Type, string Status, string Reason, DateTimeOffset? LastUpdateTime);

/// <summary>
/// The parts of a watched Rollout the judge reads; parsing never throws. Besides these fields, the Rollout's
/// metadata (without managedFields) and spec are kept as UTF-8 JSON, not as a parsed tree: a JsonNode tree of
/// a Rollout takes several times the memory of its text, and thousands of them were most of the reconciler's
/// memory. The status is not kept: what the judge reads of it is in the fields.
/// </summary>
public sealed record RolloutSnapshot(
    string Namespace,
    string Name,
    string Uid,
    ReadOnlyMemory<byte> Json,
    long Generation,
    string? ObservedGeneration,
    bool SpecPaused,
    int? SpecDeadlineSeconds,
    bool SpecAbort,
    bool IsCanary,
    IReadOnlyList<string> CanaryStepKinds,
    bool StatusAbort,
    string? Phase,
    string? Message,
    int? CurrentStepIndex,
    int PauseConditionCount,
    string? CurrentPodHash,
    string? StableRs,
    IReadOnlyList<RolloutCondition> Conditions)
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    public string Key => $"{Namespace}/{Name}";

    /// <summary>
    /// The Rollout's apiVersion, kind, metadata (without managedFields) and spec, parsed anew from
    /// <see cref="Json"/> at each call: read it once per use. Its status is in the other fields.
    /// </summary>
    public JsonObject Object => JsonNode.Parse(Json.Span) as JsonObject ?? [];

    public RolloutCondition? Condition(string type) => Conditions.FirstOrDefault(c => c.Type == type);

    /// <summary>A Rollout from a watch event or a test.</summary>
    public static RolloutSnapshot From(JsonObject rollout) => From(JsonSerializer.SerializeToElement(rollout));

    /// <summary>
    /// A Rollout as the client parsed it, read where it lies: the informer gets each list page as one parsed
    /// element, and building a node tree over each item only to read a few fields costs more than the list.
    /// The reads mirror <see cref="JsonValues"/> on nodes: a value of the wrong kind counts as absent.
    /// </summary>
    public static RolloutSnapshot From(JsonElement rollout)
    {
        var metadata = Member(rollout, "metadata");
        var spec = Member(rollout, "spec");
        var status = Member(rollout, "status");
        var canary = Member(Member(spec, "strategy"), "canary");
        var steps = Member(canary, "steps");
        var conditions = new List<RolloutCondition>();
        if (Member(status, "conditions") is { ValueKind: JsonValueKind.Array } list)
        {
            foreach (var item in list.EnumerateArray())
            {
                if (item.ValueKind == JsonValueKind.Object)
                {
                    conditions.Add(new RolloutCondition(
                        String(Member(item, "type")) ?? string.Empty,
                        String(Member(item, "status")) ?? string.Empty,
                        String(Member(item, "reason")) ?? string.Empty,
                        ParseTime(String(Member(item, "lastUpdateTime")))));
                }
            }
        }

        var stepKinds = new List<string>();
        if (steps.ValueKind == JsonValueKind.Array)
        {
            foreach (var step in steps.EnumerateArray())
            {
                stepKinds.Add(StepKind(step));
            }
        }

        var pauseConditions = Member(status, "pauseConditions");
        return new RolloutSnapshot(
            String(Member(metadata, "namespace")) ?? string.Empty,
            String(Member(metadata, "name")) ?? string.Empty,
            String(Member(metadata, "uid")) ?? string.Empty,
            MetadataAndSpec(rollout),
            TryGetWhole(Member(metadata, "generation"), out var generation) && generation is >= long.MinValue and <= long.MaxValue ? (long)generation : 0,
            Member(status, "observedGeneration") is { ValueKind: JsonValueKind.String or JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False } og
                ? (og.ValueKind == JsonValueKind.String ? og.GetString() : og.GetRawText())
                : null,
            Member(spec, "paused").ValueKind == JsonValueKind.True,
            TryGetWhole(Member(spec, "progressDeadlineSeconds"), out var seconds) && seconds is >= int.MinValue and <= int.MaxValue ? (int)seconds : null,
            Member(spec, "progressDeadlineAbort").ValueKind == JsonValueKind.True,
            canary.ValueKind == JsonValueKind.Object,
            stepKinds,
            Member(status, "abort").ValueKind == JsonValueKind.True,
            String(Member(status, "phase")),
            String(Member(status, "message")),
            TryGetWhole(Member(status, "currentStepIndex"), out var index) && index is >= int.MinValue and <= int.MaxValue ? (int)index : null,
            pauseConditions.ValueKind == JsonValueKind.Array ? pauseConditions.GetArrayLength() : 0,
            String(Member(status, "currentPodHash")),
            String(Member(status, "stableRS")),
            conditions);
    }

    /// <summary>The recorded history, or empty when there is none or it cannot be read.</summary>
    public IReadOnlyList<RevisionEntry> History() => History(Object);

    /// <summary>The recorded history in a Rollout object (a snapshot's <see cref="Object"/>, already parsed).</summary>
    public static IReadOnlyList<RevisionEntry> History(JsonObject rollout) =>
        RevisionRecorder.Annotation(rollout) is { } text && RevisionHistoryAnnotation.TryParse(text, out var entries, out _) ? entries : [];

    public static DateTimeOffset? ParseTime(string? text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : null;

    /// <summary>A member of an object; Undefined when the element is not an object or has no such member.</summary>
    private static JsonElement Member(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) ? value : default;

    private static string? String(JsonElement element) => element.ValueKind == JsonValueKind.String ? element.GetString() : null;

    // As JsonValues.TryGetWhole: a number that is whole (60 or 60.0, not 6.5).
    private static bool TryGetWhole(JsonElement element, out decimal whole)
    {
        whole = 0;
        if (element.ValueKind != JsonValueKind.Number)
        {
            return false;
        }

        if (element.TryGetInt32(out var small))
        {
            whole = small;
            return true;
        }

        if (!element.TryGetDecimal(out whole)
            && !decimal.TryParse(element.GetRawText(), NumberStyles.Float, CultureInfo.InvariantCulture, out whole))
        {
            return false;
        }

        return whole == decimal.Truncate(whole);
    }

    private static string StepKind(JsonElement step)
    {
        if (step.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in step.EnumerateObject())
            {
                return property.Name;
            }
        }

        return "unknown";
    }

    // The informer drops managedFields (often a third of a Rollout, and nothing here reads them) and the status.
    private static ReadOnlyMemory<byte> MetadataAndSpec(JsonElement rollout)
    {
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(16 * 1024);
        buffer.ResetWrittenCount();
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            if (rollout.ValueKind == JsonValueKind.Object)
            {
                foreach (var property in rollout.EnumerateObject())
                {
                    if (property.NameEquals("metadata") && property.Value.ValueKind == JsonValueKind.Object)
                    {
                        writer.WritePropertyName(property.Name);
                        writer.WriteStartObject();
                        foreach (var field in property.Value.EnumerateObject())
                        {
                            if (!field.NameEquals("managedFields"))
                            {
                                field.WriteTo(writer);
                            }
                        }

                        writer.WriteEndObject();
                    }
                    else if (!property.NameEquals("status") && !property.NameEquals("managedFields"))
                    {
                        property.WriteTo(writer);
                    }
                }
            }

            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}

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
/// The parts of a watched Rollout the judge reads; parsing never throws. The whole Rollout is kept as its UTF-8
/// JSON (without managedFields), not as a parsed tree: a JsonNode tree of a Rollout takes several times the
/// memory of its text, and a cache of thousands of them is most of the reconciler's memory.
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

    /// <summary>The Rollout, parsed anew from <see cref="Json"/> at each call: read it once per use.</summary>
    public JsonObject Object => JsonNode.Parse(Json.Span) as JsonObject ?? [];

    public RolloutCondition? Condition(string type) => Conditions.FirstOrDefault(c => c.Type == type);

    public static RolloutSnapshot From(JsonObject rollout)
    {
        var metadata = rollout["metadata"] as JsonObject;
        var spec = rollout["spec"] as JsonObject;
        var status = rollout["status"] as JsonObject;
        var canary = JsonValues.At(spec, "strategy", "canary") as JsonObject;
        var steps = JsonValues.At(canary, "steps") as JsonArray;
        var conditions = new List<RolloutCondition>();
        if (status?["conditions"] is JsonArray list)
        {
            foreach (var item in list.OfType<JsonObject>())
            {
                conditions.Add(new RolloutCondition(
                    JsonValues.GetString(item["type"]) ?? string.Empty,
                    JsonValues.GetString(item["status"]) ?? string.Empty,
                    JsonValues.GetString(item["reason"]) ?? string.Empty,
                    ParseTime(JsonValues.GetString(item["lastUpdateTime"]))));
            }
        }

        return new RolloutSnapshot(
            JsonValues.GetString(metadata?["namespace"]) ?? string.Empty,
            JsonValues.GetString(metadata?["name"]) ?? string.Empty,
            JsonValues.GetString(metadata?["uid"]) ?? string.Empty,
            Utf8WithoutManagedFields(rollout),
            JsonValues.TryGetInt64(metadata?["generation"], out var generation) ? generation : 0,
            status?["observedGeneration"] is JsonValue og ? (JsonValues.GetString(og) ?? og.ToJsonString()) : null,
            JsonValues.TryGetBool(spec?["paused"], out var paused) && paused,
            JsonValues.TryGetInt32(spec?["progressDeadlineSeconds"], out var seconds) ? seconds : null,
            JsonValues.TryGetBool(spec?["progressDeadlineAbort"], out var abort) && abort,
            canary is not null,
            steps?.Select(StepKind).ToList() ?? [],
            JsonValues.TryGetBool(status?["abort"], out var aborted) && aborted,
            JsonValues.GetString(status?["phase"]),
            JsonValues.GetString(status?["message"]),
            JsonValues.TryGetInt32(status?["currentStepIndex"], out var index) ? index : null,
            (status?["pauseConditions"] as JsonArray)?.Count ?? 0,
            JsonValues.GetString(status?["currentPodHash"]),
            JsonValues.GetString(status?["stableRS"]),
            conditions);
    }

    /// <summary>The recorded history, or empty when there is none or it cannot be read.</summary>
    public IReadOnlyList<RevisionEntry> History() => History(Object);

    /// <summary>The recorded history of this Rollout's <paramref name="rollout"/> object (its <see cref="Object"/>, already parsed).</summary>
    public static IReadOnlyList<RevisionEntry> History(JsonObject rollout) =>
        RevisionRecorder.Annotation(rollout) is { } text && RevisionHistoryAnnotation.TryParse(text, out var entries, out _) ? entries : [];

    // The informer drops managedFields: they are often a third of a Rollout, and nothing here reads them.
    private static ReadOnlyMemory<byte> Utf8WithoutManagedFields(JsonObject rollout)
    {
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(16 * 1024);
        buffer.ResetWrittenCount();
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            foreach (var (name, value) in rollout)
            {
                if (name == "managedFields")
                {
                    continue;
                }

                writer.WritePropertyName(name);
                if (name == "metadata" && value is JsonObject metadata)
                {
                    writer.WriteStartObject();
                    foreach (var (field, item) in metadata)
                    {
                        if (field != "managedFields")
                        {
                            writer.WritePropertyName(field);
                            Write(writer, item);
                        }
                    }

                    writer.WriteEndObject();
                }
                else
                {
                    Write(writer, value);
                }
            }

            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static void Write(Utf8JsonWriter writer, JsonNode? node)
    {
        if (node is null)
        {
            writer.WriteNullValue();
        }
        else
        {
            node.WriteTo(writer);
        }
    }

    private static string StepKind(JsonNode? step) =>
        step is JsonObject o && o.Count > 0 ? o.First().Key : "unknown";

    public static DateTimeOffset? ParseTime(string? text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : null;
}

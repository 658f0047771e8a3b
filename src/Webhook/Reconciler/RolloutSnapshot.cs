using System.Globalization;
using System.Text.Json.Nodes;
using DeadlineGuard.History;
using DeadlineGuard.Json;

namespace DeadlineGuard.Reconciler;

/// <summary>A Rollout condition as the controller writes it (types.go RolloutCondition).</summary>
public sealed record RolloutCondition(string Type, string Status, string Reason, DateTimeOffset? LastUpdateTime);

/// <summary>The parts of a watched Rollout the judge reads; parsing never throws.</summary>
public sealed record RolloutSnapshot(
    string Namespace,
    string Name,
    string Uid,
    JsonObject Object,
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
    public string Key => $"{Namespace}/{Name}";

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
            rollout,
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
    public IReadOnlyList<RevisionEntry> History() =>
        RevisionRecorder.Annotation(Object) is { } text && RevisionHistoryAnnotation.TryParse(text, out var entries, out _) ? entries : [];

    private static string StepKind(JsonNode? step) =>
        step is JsonObject o && o.Count > 0 ? o.First().Key : "unknown";

    public static DateTimeOffset? ParseTime(string? text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : null;
}

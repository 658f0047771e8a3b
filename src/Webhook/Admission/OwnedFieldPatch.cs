using System.Text.Json;
using System.Text.Json.Nodes;
using DeadlineGuard.History;
using DeadlineGuard.Json;

namespace DeadlineGuard.Admission;

/// <summary>
/// The JSON Patch for the fields the webhook owns (the two spec fields and the history annotation), built
/// from what it adds and what it found, without copying or comparing the rest of the Rollout. Fields that
/// are absent are added; a present annotation, or an annotations map that is null, is replaced; a client's
/// metadata or annotations of another type is never overwritten (the API server rejects such an object anyway).
/// </summary>
public static class OwnedFieldPatch
{
    private const string SpecDeadline = "/spec/progressDeadlineSeconds";
    private const string SpecAbort = "/spec/progressDeadlineAbort";
    private const string AnnotationsPath = "/metadata/annotations";

    private static readonly string HistoryPath = JsonPointer.Append(AnnotationsPath, RevisionHistoryAnnotation.Key);

    public static IReadOnlyList<PatchOperation> Build(RolloutView rollout, DeadlineInjection injection, HistoryUpdate? history)
    {
        var changesHistory = history is { Changed: true };
        if (injection.IsEmpty && !changesHistory)
        {
            return [];
        }

        var operations = new List<PatchOperation>(3);
        if (injection.Seconds is { } seconds)
        {
            operations.Add(PatchOperation.Add(SpecDeadline, JsonValue.Create(seconds)));
        }

        if (injection.Abort is { } abort)
        {
            operations.Add(PatchOperation.Add(SpecAbort, JsonValue.Create(abort)));
        }

        if (changesHistory && HistoryOperation(rollout, history!.Annotation) is { } operation)
        {
            operations.Add(operation);
        }

        return operations;
    }

    private static PatchOperation? HistoryOperation(RolloutView rollout, string? value)
    {
        if (value is null)
        {
            // Changed to nothing: it was there, so annotations is an object holding it.
            return PatchOperation.Remove(HistoryPath);
        }

        switch (rollout.MetadataKind)
        {
            case JsonValueKind.Undefined:
                return PatchOperation.Add("/metadata", new JsonObject { ["annotations"] = Annotations(value) });
            case JsonValueKind.Object:
                break;
            default:
                return null;
        }

        return rollout.AnnotationsKind switch
        {
            JsonValueKind.Undefined => PatchOperation.Add(AnnotationsPath, Annotations(value)),
            JsonValueKind.Null => PatchOperation.Replace(AnnotationsPath, Annotations(value)),
            JsonValueKind.Object => rollout.HasAnnotation(RevisionHistoryAnnotation.Key)
                ? PatchOperation.Replace(HistoryPath, JsonValue.Create(value))
                : PatchOperation.Add(HistoryPath, JsonValue.Create(value)),
            _ => null,
        };
    }

    private static JsonObject Annotations(string value) => new() { [RevisionHistoryAnnotation.Key] = value };
}

using System.Buffers;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using DeadlineGuard.Json;

namespace DeadlineGuard.History;

/// <summary>What starts a revision, and how a revision is identified (DESIGN.md §4). Pure functions of the objects.</summary>
public static class RevisionDetector
{
    /// <summary>Argo's controller copies the referenced workload's generation here (rollout/templateref.go).</summary>
    public const string WorkloadGenerationAnnotation = "rollout.argoproj.io/workload-generation";

    /// <summary>
    /// The revision this write starts, or null when it starts none: restartAt, paused, replicas, labels,
    /// annotations and the controller's revision bookkeeping change no revision. The templates are compared
    /// on their raw bytes first, then as canonical forms without writing them (<see cref="CanonicalJson.Equal"/>);
    /// only a template that changed has its canonical form written, for the fingerprint.
    /// </summary>
    public static RevisionStart? Detect(string operation, RolloutView rollout, RolloutView? previous)
    {
        if (operation == "CREATE" || previous is null)
        {
            return new RevisionStart(RevisionEntry.Create, Fingerprint(rollout));
        }

        var workloadRef = Present(rollout.WorkloadRef);
        var previousRef = Present(previous.WorkloadRef);
        if (workloadRef.ValueKind != JsonValueKind.Undefined || previousRef.ValueKind != JsonValueKind.Undefined)
        {
            var changed = !SameJson(workloadRef, previousRef)
                || WorkloadGeneration(rollout) != WorkloadGeneration(previous);
            return changed ? new RevisionStart(RevisionEntry.Workload, Fingerprint(rollout)) : null;
        }

        var template = rollout.Template;
        var previousTemplate = previous.Template;
        if (RawEqual(template, previousTemplate))
        {
            return null;
        }

        return CanonicalJson.Equal(template, previousTemplate)
            ? null
            : new RevisionStart(RevisionEntry.Template, CanonicalJson.Fingerprint(template));
    }

    /// <summary>SHA-256 (16 hex digits) of the canonical spec.template, or of spec.workloadRef plus the workload generation.</summary>
    public static string Fingerprint(JsonObject rollout)
    {
        var spec = rollout["spec"] as JsonObject;
        if (spec?["workloadRef"] is { } workloadRef)
        {
            return CanonicalJson.Fingerprint(new JsonObject
            {
                ["workloadRef"] = workloadRef.DeepClone(),
                ["generation"] = WorkloadGeneration(rollout),
            });
        }

        return CanonicalJson.Fingerprint(spec?["template"]);
    }

    /// <summary>As <see cref="Fingerprint(JsonObject)"/>, byte for byte, read from a parsed Rollout.</summary>
    public static string Fingerprint(RolloutView rollout)
    {
        var workloadRef = Present(rollout.WorkloadRef);
        if (workloadRef.ValueKind == JsonValueKind.Undefined)
        {
            return CanonicalJson.Fingerprint(rollout.Template);
        }

        // The canonical form of {"workloadRef": ..., "generation": ...}: keys sorted, so generation first.
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = CanonicalJson.CreateWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WritePropertyName("generation");
            if (WorkloadGeneration(rollout) is { } generation)
            {
                writer.WriteStringValue(generation);
            }
            else
            {
                writer.WriteNullValue();
            }

            writer.WritePropertyName("workloadRef");
            CanonicalJson.Write(writer, workloadRef);
            writer.WriteEndObject();
        }

        return CanonicalJson.FingerprintOf(buffer.WrittenSpan);
    }

    public static string? WorkloadGeneration(JsonObject rollout) =>
        JsonValues.GetString(JsonValues.At(rollout, "metadata", "annotations", WorkloadGenerationAnnotation));

    public static string? WorkloadGeneration(RolloutView rollout) => rollout.StringAnnotation(WorkloadGenerationAnnotation);

    /// <summary>The images of spec.template's init and app containers, in order, repeats included.</summary>
    public static IEnumerable<string> Images(RolloutView rollout)
    {
        var podSpec = JsonValues.At(rollout.Template, "spec");
        foreach (var list in new[] { "initContainers", "containers" })
        {
            var containers = JsonValues.At(podSpec, list);
            if (containers.ValueKind != JsonValueKind.Array)
            {
                continue;
            }

            foreach (var container in containers.EnumerateArray())
            {
                if (JsonValues.GetString(JsonValues.At(container, "image")) is { Length: > 0 } image)
                {
                    yield return image;
                }
            }
        }
    }

    /// <summary>A JSON null reads as absent, as a JsonObject indexer returns it.</summary>
    private static JsonElement Present(JsonElement element) => element.ValueKind == JsonValueKind.Null ? default : element;

    private static bool RawEqual(JsonElement a, JsonElement b)
    {
        var aAbsent = a.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null;
        var bAbsent = b.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null;
        return aAbsent || bAbsent ? aAbsent && bAbsent : JsonMarshal.GetRawUtf8Value(a).SequenceEqual(JsonMarshal.GetRawUtf8Value(b));
    }

    /// <summary>Equal canonical forms (absent and null alike), trying the raw bytes first.</summary>
    private static bool SameJson(JsonElement a, JsonElement b) => RawEqual(a, b) || CanonicalJson.Equal(a, b);
}

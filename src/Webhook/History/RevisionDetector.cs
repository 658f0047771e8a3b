using System.Text.Json.Nodes;
using DeadlineGuard.Json;

namespace DeadlineGuard.History;

/// <summary>What starts a revision, and how a revision is identified (DESIGN.md §4). Pure functions of the objects.</summary>
public static class RevisionDetector
{
    /// <summary>Argo's controller copies the referenced workload's generation here (rollout/templateref.go).</summary>
    public const string WorkloadGenerationAnnotation = "rollout.argoproj.io/workload-generation";

    /// <summary>
    /// The trigger of the revision this write starts, or null when it starts none: restartAt, paused,
    /// replicas, labels, annotations and the controller's revision bookkeeping change no revision.
    /// </summary>
    public static string? Trigger(string operation, JsonObject rollout, JsonObject? previous)
    {
        if (operation == "CREATE" || previous is null)
        {
            return RevisionEntry.Create;
        }

        var spec = rollout["spec"] as JsonObject;
        var oldSpec = previous["spec"] as JsonObject;
        if (spec?["workloadRef"] is not null || oldSpec?["workloadRef"] is not null)
        {
            var changed = !JsonNode.DeepEquals(JsonValues.At(spec, "workloadRef"), JsonValues.At(oldSpec, "workloadRef"))
                || WorkloadGeneration(rollout) != WorkloadGeneration(previous);
            return changed ? RevisionEntry.Workload : null;
        }

        return JsonNode.DeepEquals(spec?["template"], oldSpec?["template"]) ? null : RevisionEntry.Template;
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

    public static string? WorkloadGeneration(JsonObject rollout) =>
        JsonValues.GetString(JsonValues.At(rollout, "metadata", "annotations", WorkloadGenerationAnnotation));

    /// <summary>The images of spec.template's init and app containers, in order, without repeats.</summary>
    public static IReadOnlyList<string> Images(JsonObject rollout)
    {
        var podSpec = JsonValues.At(rollout, "spec", "template", "spec") as JsonObject;
        var images = new List<string>();
        foreach (var list in new[] { "initContainers", "containers" })
        {
            if (podSpec?[list] is not JsonArray containers)
            {
                continue;
            }

            foreach (var container in containers)
            {
                if (JsonValues.GetString(JsonValues.At(container, "image")) is { Length: > 0 } image && !images.Contains(image))
                {
                    images.Add(image);
                }
            }
        }

        return images;
    }
}

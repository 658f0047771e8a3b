using System.Text.Json.Nodes;
using DeadlineGuard.History;
using DeadlineGuard.Json;

namespace DeadlineGuard.Tests.Support;

/// <summary>For tests about the deadline fields: what /mutate adds for the revision history, and how to take it away again.</summary>
public static class HistoryAnnotationCleaner
{
    public static readonly string HistoryPath = JsonPointer.Append("/metadata/annotations", RevisionHistoryAnnotation.Key);

    /// <summary>Patch paths that belong to the revision history (the annotation, or the maps created to hold it).</summary>
    public static readonly string[] HistoryPaths = [HistoryPath, "/metadata/annotations", "/metadata"];

    /// <summary>A copy of <paramref name="patched"/> without the history annotation, and without the maps mutation created for it.</summary>
    public static JsonObject WithoutHistory(JsonObject patched, JsonObject original)
    {
        var copy = (JsonObject)patched.DeepClone();
        if (copy["metadata"] is not JsonObject metadata)
        {
            return copy;
        }

        if (metadata["annotations"] is JsonObject annotations)
        {
            annotations.Remove(RevisionHistoryAnnotation.Key);
            var originalMetadata = original["metadata"] as JsonObject;
            if (annotations.Count == 0 && originalMetadata?.ContainsKey("annotations") != true)
            {
                metadata.Remove("annotations");
            }
        }

        if (metadata.Count == 0 && !original.ContainsKey("metadata"))
        {
            copy.Remove("metadata");
        }

        return copy;
    }
}

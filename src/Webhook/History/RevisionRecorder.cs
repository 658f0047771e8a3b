using System.Text.Json.Nodes;
using DeadlineGuard.Admission;
using DeadlineGuard.Json;

namespace DeadlineGuard.History;

/// <summary>The annotation value the Rollout must carry after this write, and what to tell the client.</summary>
public sealed record HistoryUpdate(string? Annotation, RevisionEntry? Added, IReadOnlyList<string> Warnings);

/// <summary>
/// Keeps the revision history: appends an entry when a revision starts, bounds it, and restores it
/// when a client edited or removed it. On UPDATE the history comes from oldObject only, so the API
/// server's stored copy, not the client, is the source of truth.
/// </summary>
public static class RevisionRecorder
{
    /// <summary>Entry size budget, so that ten entries stay under 4 KiB (Argo copies annotations onto ReplicaSets).</summary>
    public const int MaxUserLength = 64;
    public const int ImageBudget = 150;

    /// <param name="request">the write being admitted.</param>
    /// <param name="mutated">the object after deadline injection: its values are the ones in force.</param>
    public static HistoryUpdate Record(AdmissionRequest request, JsonObject mutated, int limit, DateTimeOffset now)
    {
        var warnings = new List<string>(1);
        var incoming = Annotation(request.Object!);
        IReadOnlyList<RevisionEntry> history = [];
        string? stored = null;
        if (request.Operation == "UPDATE" && request.OldObject is { } previous)
        {
            stored = Annotation(previous);
            if (stored is not null)
            {
                if (RevisionHistoryAnnotation.TryParse(stored, out var parsed, out var error))
                {
                    history = parsed;
                }
                else
                {
                    warnings.Add($"{RevisionHistoryAnnotation.Key} was unreadable, a fresh history starts: {error}");
                    stored = null;
                }
            }

            if (incoming != Annotation(previous) && warnings.Count == 0)
            {
                warnings.Add($"{RevisionHistoryAnnotation.Key} is kept by deadline-guard; your change to it was undone");
            }
        }
        else if (incoming is not null)
        {
            warnings.Add($"{RevisionHistoryAnnotation.Key} is kept by deadline-guard; the supplied value was replaced");
        }

        RevisionEntry? added = null;
        var trimmed = false;
        if (RevisionDetector.Trigger(request.Operation, request.Object!, request.OldObject) is { } trigger)
        {
            added = NewEntry(history.Count == 0 ? 1 : history[^1].Seq + 1, now, request, trigger, mutated);
            history = [.. history.Skip(Math.Max(0, history.Count + 1 - limit)), added];
        }
        else if (history.Count > limit)
        {
            // The policy's limit was lowered since the history was written.
            history = history.Skip(history.Count - limit).ToList();
            trimmed = true;
        }

        // An unchanged history keeps its stored text byte for byte, so an ordinary update gets no patch.
        var value = history.Count == 0 ? null
            : added is null && !trimmed && stored is not null ? stored
            : RevisionHistoryAnnotation.Serialize(history);
        return new HistoryUpdate(value, added, warnings);
    }

    /// <summary>Sets (or removes, for null) the annotation in the object, creating metadata.annotations when needed.</summary>
    public static void Apply(JsonObject rollout, string? value)
    {
        var current = Annotation(rollout);
        if (current == value)
        {
            return;
        }

        if (value is null)
        {
            (rollout["metadata"]?["annotations"] as JsonObject)?.Remove(RevisionHistoryAnnotation.Key);
            return;
        }

        if (rollout["metadata"] is not JsonObject metadata)
        {
            rollout["metadata"] = metadata = new JsonObject();
        }

        if (metadata["annotations"] is not JsonObject annotations)
        {
            metadata["annotations"] = annotations = new JsonObject();
        }

        annotations[RevisionHistoryAnnotation.Key] = value;
    }

    public static string? Annotation(JsonObject rollout) =>
        rollout["metadata"]?["annotations"] is JsonObject annotations && annotations.TryGetPropertyValue(RevisionHistoryAnnotation.Key, out var value)
            ? JsonValues.GetString(value) ?? value?.ToJsonString() ?? "null"
            : null;

    private static RevisionEntry NewEntry(int seq, DateTimeOffset now, AdmissionRequest request, string trigger, JsonObject mutated)
    {
        var spec = mutated["spec"] as JsonObject;
        var deadline = FoundValue.Of(spec, "progressDeadlineSeconds");
        var abort = FoundValue.Of(spec, "progressDeadlineAbort");
        return new RevisionEntry(
            seq,
            now,
            Shorten(request.User, MaxUserLength),
            request.Operation,
            trigger,
            RevisionDetector.Fingerprint(mutated),
            WithinBudget(RevisionDetector.Images(mutated)),

            // Absent fields mean Argo's defaults: 600 seconds (defaults.go) and no abort.
            !deadline.Present ? 600 : deadline.IsInt32 ? deadline.Int32 : null,
            abort.IsTrue);
    }

    /// <summary>Keeps images in order while they fit the budget; the rest are counted in a last "+N more".</summary>
    private static List<string> WithinBudget(IReadOnlyList<string> images)
    {
        var kept = new List<string>(images.Count);
        var used = 0;
        foreach (var image in images)
        {
            var text = image.Length > ImageBudget ? "..." + image[^(ImageBudget - 3)..] : image;
            if (used + text.Length > ImageBudget && kept.Count > 0)
            {
                kept.Add($"+{images.Count - kept.Count} more");
                break;
            }

            kept.Add(text);
            used += text.Length;
        }

        return kept;
    }

    private static string Shorten(string text, int max) => text.Length <= max ? text : text[..(max - 3)] + "...";
}

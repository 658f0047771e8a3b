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
    /// <param name="mutated">the object after deadline injection, or its owned fields (<see cref="OwnedFields"/>): its deadline values are the ones in force.</param>
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

        // A reinvocation (reinvocationPolicy: IfNeeded) sends back what an earlier call of this webhook wrote:
        // the same history but for the moment of the newest entry. Keeping it makes mutation idempotent.
        if (incoming is not null && added is not null && incoming != stored && SameButForLastTime(incoming, history))
        {
            return new HistoryUpdate(incoming, added, warnings);
        }

        // An unchanged history keeps its stored text byte for byte, so an ordinary update gets no patch.
        var value = history.Count == 0 ? null
            : added is null && !trimmed && stored is not null ? stored
            : RevisionHistoryAnnotation.Serialize(history);
        if (incoming is not null && incoming != value && warnings.Count == 0 && incoming != stored)
        {
            warnings.Add(request.Operation == "UPDATE"
                ? $"{RevisionHistoryAnnotation.Key} is kept by deadline-guard; your change to it was undone"
                : $"{RevisionHistoryAnnotation.Key} is kept by deadline-guard; the supplied value was replaced");
        }
        else if (incoming is null && stored is not null && warnings.Count == 0)
        {
            warnings.Add($"{RevisionHistoryAnnotation.Key} is kept by deadline-guard; your change to it was undone");
        }

        return new HistoryUpdate(value, added, warnings);
    }

    private static bool SameButForLastTime(string incoming, IReadOnlyList<RevisionEntry> expected)
    {
        if (!RevisionHistoryAnnotation.TryParse(incoming, out var entries, out _) || entries.Count != expected.Count)
        {
            return false;
        }

        for (var i = 0; i < entries.Count; i++)
        {
            var want = i == entries.Count - 1 ? expected[i] with { At = entries[i].At } : expected[i];
            if (!Same(entries[i], want))
            {
                return false;
            }
        }

        return true;
    }

    private static bool Same(RevisionEntry a, RevisionEntry b) =>
        a with { Images = [] } == b with { Images = [] } && a.Images.SequenceEqual(b.Images);

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
            (JsonValues.At(rollout, "metadata", "annotations") as JsonObject)?.Remove(RevisionHistoryAnnotation.Key);
            return;
        }

        // Never replace a malformed metadata or annotations value of the client's: the API server rejects it anyway.
        var metadata = rollout["metadata"] as JsonObject;
        if (metadata is null && !rollout.ContainsKey("metadata"))
        {
            rollout["metadata"] = metadata = new JsonObject();
        }

        var annotations = JsonValues.At(metadata, "annotations") as JsonObject;
        if (metadata is not null && annotations is null && (!metadata.TryGetPropertyValue("annotations", out var present) || present is null))
        {
            metadata["annotations"] = annotations = new JsonObject();
        }

        if (annotations is not null)
        {
            annotations[RevisionHistoryAnnotation.Key] = value;
        }
    }

    public static string? Annotation(JsonObject rollout) =>
        JsonValues.At(rollout, "metadata", "annotations") is JsonObject annotations && annotations.TryGetPropertyValue(RevisionHistoryAnnotation.Key, out var value)
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
            RevisionDetector.Fingerprint(request.Object!), // mutation never touches the template or workloadRef
            WithinBudget(RevisionDetector.Images(request.Object!)),

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

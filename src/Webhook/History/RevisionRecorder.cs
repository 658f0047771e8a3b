using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using DeadlineGuard.Json;

namespace DeadlineGuard.History;

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

    /// <summary>
    /// How far back from now a reinvoked entry's time may lie and still be taken as this webhook's own: the API
    /// server reinvokes within the same request, whose webhook calls each time out after at most 30 s.
    /// </summary>
    public static readonly TimeSpan ReinvocationWindow = TimeSpan.FromSeconds(30);

    /// <summary>
    /// A stored history is appended to as text, entry by entry, while it is no larger than this per entry (the
    /// webhook's own entries stay under about 400 bytes); a larger one, written while the webhook was bypassed,
    /// is written anew from its entries, so that foreign padding does not travel on.
    /// </summary>
    internal const int MaxKeptBytesPerEntry = 1024;

    private static readonly byte[] Separator = ","u8.ToArray();

    /// <param name="write">the write being admitted, with the deadline values in force after mutation.</param>
    /// <param name="limit">the policy's history limit.</param>
    /// <param name="now">the webhook's clock.</param>
    public static HistoryUpdate Record(RevisionWrite write, int limit, DateTimeOffset now)
    {
        var warnings = new List<string>(1);
        var incoming = write.Rollout.AnnotationSlot(RevisionHistoryAnnotation.Key);
        byte[]? stored = null;
        var outline = HistoryOutline.Empty;
        if (write.Operation == "UPDATE" && write.Previous is { } previous && previous.AnnotationSlot(RevisionHistoryAnnotation.Key) is { IsPresent: true } storedSlot)
        {
            var text = TextOf(previous, storedSlot);
            if (RevisionHistoryAnnotation.TryOutline(text, out outline, out var error))
            {
                stored = text;
            }
            else
            {
                warnings.Add($"{RevisionHistoryAnnotation.Key} was unreadable, a fresh history starts: {error}");
            }
        }

        RevisionEntry? added = null;
        byte[]? value;
        var keepFrom = 0;
        if (RevisionDetector.Detect(write.Operation, write.Rollout, write.Previous) is { } start)
        {
            var seq = outline.LastSeq + 1;
            keepFrom = Math.Max(0, outline.Count + 1 - limit);
            if (outline.LastSeq == long.MaxValue)
            {
                // Not reachable by counting; only a history written while the webhook was bypassed gets here.
                warnings.Add($"{RevisionHistoryAnnotation.Key} reached the largest seq; the history restarts at 1");
                seq = 1;
                keepFrom = outline.Count;
            }

            added = NewEntry(seq, now, write, start);
            value = Compose(stored, outline, keepFrom, added);
        }
        else if (outline.Count > limit)
        {
            // The policy's limit was lowered since the history was written.
            keepFrom = outline.Count - limit;
            value = Compose(stored, outline, keepFrom, null);
        }
        else
        {
            // An unchanged history keeps its stored text byte for byte, so an ordinary update gets no patch.
            value = stored;
        }

        // The client usually sends the stored annotation back untouched: then the two raw values are the same bytes.
        var incomingIsStored = incoming.IsPresent && stored is not null
            && (SameRaw(write.Rollout, incoming, write.Previous!, write.Previous!.AnnotationSlot(RevisionHistoryAnnotation.Key)) || SameText(write.Rollout, incoming, stored));
        if (incoming.IsPresent && added is not null && !incomingIsStored)
        {
            // A reinvocation (reinvocationPolicy: IfNeeded) sends back what an earlier call of this webhook wrote. It is
            // kept, so that mutation stays idempotent, only when it is exactly what this call would write but for the
            // newest entry's time, and that time is this webhook's own: not after now, nor long before.
            var text = TextOf(write.Rollout, incoming);
            if (value is not null && !text.AsSpan().SequenceEqual(value) && Reinvoked(text, stored, outline, keepFrom, added) is { } own)
            {
                if (own.At <= now && own.At >= now - ReinvocationWindow)
                {
                    return new HistoryUpdate(false, null, own, warnings);
                }

                warnings.Add($"{RevisionHistoryAnnotation.Key}: entry time {RevisionHistoryAnnotation.FormatTime(own.At)} is not the webhook's; "
                    + (write.Operation == "UPDATE" ? "history restored" : "history recomputed"));
            }
        }

        var changed = !incoming.IsPresent ? value is not null
            : value is null ? true
            : incomingIsStored ? !ReferenceEquals(value, stored) && !value.AsSpan().SequenceEqual(stored)
            : !SameText(write.Rollout, incoming, value);
        if (incoming.IsPresent && changed && warnings.Count == 0 && !incomingIsStored)
        {
            warnings.Add(write.Operation == "UPDATE"
                ? $"{RevisionHistoryAnnotation.Key} is kept by deadline-guard; your change to it was undone"
                : $"{RevisionHistoryAnnotation.Key} is kept by deadline-guard; the supplied value was replaced");
        }
        else if (!incoming.IsPresent && stored is not null && warnings.Count == 0)
        {
            warnings.Add($"{RevisionHistoryAnnotation.Key} is kept by deadline-guard; your change to it was undone");
        }

        return new HistoryUpdate(changed, changed && value is not null ? Encoding.UTF8.GetString(value) : null, added, warnings);
    }

    /// <summary>
    /// The entry of <paramref name="sent"/> that makes it this call's own history, if there is one: sent must be,
    /// byte for byte, what this call writes with that entry's time in place of now.
    /// </summary>
    private static RevisionEntry? Reinvoked(byte[] sent, byte[]? stored, HistoryOutline outline, int keepFrom, RevisionEntry added)
    {
        if (!RevisionHistoryAnnotation.TryParse(sent, out var entries, out _) || entries.Count == 0)
        {
            return null;
        }

        var own = added with { At = entries[^1].At };
        var expected = Compose(stored, outline, keepFrom, own);
        return sent.AsSpan().SequenceEqual(expected) ? own : null;
    }

    /// <summary>
    /// The history text: the stored entries from <paramref name="keepFrom"/> on, as stored, then <paramref name="added"/>.
    /// Nothing is parsed or written again but the new entry.
    /// </summary>
    private static byte[] Compose(byte[]? stored, HistoryOutline outline, int keepFrom, RevisionEntry? added)
    {
        var kept = stored is null ? 0 : outline.Count - keepFrom;
        if (kept > 0 && stored!.Length > (long)outline.Count * MaxKeptBytesPerEntry)
        {
            var entries = RevisionHistoryAnnotation.TryParse(stored, out var read, out _) ? read : []; // outlined, so it reads
            List<RevisionEntry> rewritten = [.. entries.Skip(keepFrom)];
            if (added is not null)
            {
                rewritten.Add(added);
            }

            return Encoding.UTF8.GetBytes(RevisionHistoryAnnotation.Serialize(rewritten));
        }

        var entry = added is null ? [] : RevisionHistoryAnnotation.SerializeEntry(added);
        var keptText = kept > 0 ? stored.AsSpan(outline.Entries[keepFrom].Start, outline.Entries[^1].End - outline.Entries[keepFrom].Start) : default;
        var length = 2 + keptText.Length + entry.Length + (kept > 0 && entry.Length > 0 ? 1 : 0);
        var text = new byte[length];
        var at = 0;
        text[at++] = (byte)'[';
        keptText.CopyTo(text.AsSpan(at));
        at += keptText.Length;
        if (kept > 0 && entry.Length > 0)
        {
            Separator.CopyTo(text.AsSpan(at));
            at += Separator.Length;
        }

        entry.CopyTo(text.AsSpan(at));
        at += entry.Length;
        text[at] = (byte)']';
        return text;
    }

    /// <summary>The history annotation's text in a Rollout tree (a value of another JSON kind as its JSON); null when absent.</summary>
    public static string? Annotation(JsonObject rollout) =>
        JsonValues.At(rollout, "metadata", "annotations") is JsonObject annotations && annotations.TryGetPropertyValue(RevisionHistoryAnnotation.Key, out var value)
            ? JsonValues.GetString(value) ?? value?.ToJsonString() ?? "null"
            : null;

    /// <summary>The annotation's text as UTF-8: a string's value; for another kind, its JSON (as <see cref="Annotation"/> reads it).</summary>
    private static byte[] TextOf(RolloutView rollout, JsonSlot value)
    {
        if (value.Kind == JsonValueKind.String)
        {
            return JsonValues.Utf8StringOf(rollout.Raw(value));
        }

        rollout.TryGetAnnotation(RevisionHistoryAnnotation.Key, out var element);
        return Encoding.UTF8.GetBytes(JsonSerializer.Serialize(element));
    }

    private static bool SameRaw(RolloutView a, JsonSlot slotA, RolloutView b, JsonSlot slotB) =>
        slotA.Kind == JsonValueKind.String && slotB.Kind == JsonValueKind.String && a.Raw(slotA).SequenceEqual(b.Raw(slotB));

    /// <summary>Whether the annotation reads as <paramref name="text"/>.</summary>
    private static bool SameText(RolloutView rollout, JsonSlot value, byte[] text) => TextOf(rollout, value).AsSpan().SequenceEqual(text);

    private static RevisionEntry NewEntry(long seq, DateTimeOffset now, RevisionWrite write, RevisionStart start) =>
        new(
            seq,
            now,
            Shorten(write.User, MaxUserLength),
            write.Operation,
            start.Trigger,
            start.Fingerprint, // mutation never touches the template or workloadRef
            ImagesWithinBudget(RevisionDetector.Images(write.Rollout)),
            write.DeadlineSeconds,
            write.Abort);

    /// <summary>
    /// The images, each once and in order, while they fit the budget; the rest are counted in a last "+N more".
    /// One pass with a set: linear in the number of containers, whatever a client sends.
    /// </summary>
    internal static List<string> ImagesWithinBudget(IEnumerable<string> images, IEqualityComparer<string>? comparer = null)
    {
        var seen = new HashSet<string>(comparer ?? StringComparer.Ordinal);
        var kept = new List<string>();
        var used = 0;
        var full = false;
        foreach (var image in images)
        {
            if (!seen.Add(image) || full)
            {
                continue;
            }

            var text = image.Length > ImageBudget ? "..." + image[^(ImageBudget - 3)..] : image;
            if (used + text.Length > ImageBudget && kept.Count > 0)
            {
                full = true;
                continue;
            }

            kept.Add(text);
            used += text.Length;
        }

        if (full)
        {
            kept.Add($"+{seen.Count - kept.Count} more");
        }

        return kept;
    }

    private static string Shorten(string text, int max) => text.Length <= max ? text : text[..(max - 3)] + "...";
}

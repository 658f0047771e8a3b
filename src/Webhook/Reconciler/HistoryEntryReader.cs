using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace DeadlineGuard.Reconciler;

/// <summary>
/// Finds, in the text of the <c>deadline-guard.io/revision-history</c> annotation, the entry of the revision a Rollout
/// runs now (the last one with its fingerprint), without building the entries: only seq, at, deadlineSeconds and abort
/// of that one entry are kept. It accepts exactly what <c>RevisionHistoryAnnotation.TryParse</c> accepts (a test holds
/// the two to the same answers), so that the reconciler and the webhook agree on what a valid history is.
/// </summary>
public static class HistoryEntryReader
{
    private static readonly JsonReaderOptions Options = new() { MaxDepth = 8 };

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static HistoryState Find(ReadOnlySpan<byte> history, ReadOnlySpan<byte> fingerprint, out RecordedRevision? entry)
    {
        entry = null;
        var reader = new Utf8JsonReader(history, Options);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray)
            {
                return HistoryState.Unreadable;
            }

            var previousSeq = 0L;
            RecordedRevision? match = null;
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                if (ReadEntry(ref reader, fingerprint, out var matches) is not { } read || read.Seq <= previousSeq)
                {
                    return HistoryState.Unreadable;
                }

                previousSeq = read.Seq;
                if (matches)
                {
                    match = read;
                }
            }

            if (reader.Read())
            {
                return HistoryState.Unreadable; // content after the array
            }

            entry = match;
            return match is null ? HistoryState.Unmatched : HistoryState.Matched;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or ArgumentException)
        {
            return HistoryState.Unreadable;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static RecordedRevision? ReadEntry(ref Utf8JsonReader reader, ReadOnlySpan<byte> fingerprint, out bool matches)
    {
        matches = false;
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return null;
        }

        long? seq = null;
        int? deadline = null;
        DateTimeOffset? at = null;
        bool by = false, op = false, trigger = false, hasFingerprint = false, images = false;
        bool? abort = null;
        var valid = true;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var field = Field(ref reader);
            reader.Read();
            var type = reader.TokenType;
            switch (field)
            {
                case Fields.Seq when type == JsonTokenType.Number && reader.TryGetInt64(out var number) && number >= 1:
                    seq = number;
                    break;
                case Fields.At when type == JsonTokenType.String && ParseTime(ref reader) is { } time:
                    at = time;
                    break;
                case Fields.By when type == JsonTokenType.String:
                    by = true;
                    break;
                case Fields.Op when type == JsonTokenType.String:
                    op = true;
                    break;
                case Fields.Trigger when type == JsonTokenType.String:
                    trigger = true;
                    break;
                case Fields.Fingerprint when type == JsonTokenType.String:
                    hasFingerprint = true;
                    matches = reader.ValueTextEquals(fingerprint);
                    break;
                case Fields.Images when type == JsonTokenType.StartArray:
                    images = true;
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    {
                        if (reader.TokenType != JsonTokenType.String)
                        {
                            reader.Skip();
                            valid = false;
                        }
                    }

                    break;
                case Fields.DeadlineSeconds:
                    deadline = type == JsonTokenType.Number && reader.TryGetInt32(out var seconds) ? seconds : null;
                    reader.Skip();
                    break;
                case Fields.Abort when type is JsonTokenType.True or JsonTokenType.False:
                    abort = type == JsonTokenType.True;
                    break;
                case Fields.Other:
                    reader.Skip(); // a field from a newer version: not an error
                    break;
                default:
                    valid = false; // a known field with the wrong type
                    reader.Skip();
                    break;
            }
        }

        return valid && seq is { } s && at is { } a && by && op && trigger && hasFingerprint && images && abort is { } b
            ? new RecordedRevision(s, a, deadline, b)
            : null;
    }

    private enum Fields
    {
        Other,
        Seq,
        At,
        By,
        Op,
        Trigger,
        Fingerprint,
        Images,
        DeadlineSeconds,
        Abort,
    }

    private static Fields Field(ref Utf8JsonReader reader) =>
        reader.ValueTextEquals("seq"u8) ? Fields.Seq
        : reader.ValueTextEquals("at"u8) ? Fields.At
        : reader.ValueTextEquals("by"u8) ? Fields.By
        : reader.ValueTextEquals("op"u8) ? Fields.Op
        : reader.ValueTextEquals("trigger"u8) ? Fields.Trigger
        : reader.ValueTextEquals("fingerprint"u8) ? Fields.Fingerprint
        : reader.ValueTextEquals("images"u8) ? Fields.Images
        : reader.ValueTextEquals("deadlineSeconds"u8) ? Fields.DeadlineSeconds
        : reader.ValueTextEquals("abort"u8) ? Fields.Abort
        : Fields.Other;

    /// <summary>A time as the history and the status write it, parsed as <c>DateTimeOffset.TryParse</c> (invariant, UTC unless it says otherwise) does.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static DateTimeOffset? ParseTime(ref Utf8JsonReader reader)
    {
        // The fast path: RFC 3339 in UTC ("2026-11-27T10:15:02Z"), as Kubernetes and the webhook write times, read
        // without a detour through text; it gives what TryParse gives for such a time. Anything else takes the slow path.
        if (!reader.ValueIsEscaped && reader.ValueSpan is [.., (byte)'Z'] && reader.TryGetDateTimeOffset(out var utc))
        {
            return utc;
        }

        if (reader.ValueSpan.Length > 64)
        {
            return ParseTime(reader.GetString());
        }

        Span<char> chars = stackalloc char[64];
        var length = reader.CopyString(chars);
        return DateTimeOffset.TryParse(chars[..length], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : null;
    }

    public static DateTimeOffset? ParseTime(string? text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : null;
}

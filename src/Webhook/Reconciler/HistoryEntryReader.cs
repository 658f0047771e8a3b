using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using DeadlineGuard.History;
using EntryField = DeadlineGuard.History.RevisionHistoryAnnotation.EntryField;

namespace DeadlineGuard.Reconciler;

/// <summary>
/// Finds, in the text of the <c>deadline-guard.io/revision-history</c> annotation, the entry of the revision a Rollout
/// runs now (the last one with its fingerprint), without building the entries: only seq, at, deadlineSeconds and abort
/// of that one entry are kept. It accepts exactly what <c>RevisionHistoryAnnotation.TryParse</c> accepts (a test holds
/// the two to the same answers), so that the reconciler and the webhook agree on what a valid history is: it names the
/// fields as that one does (<see cref="RevisionHistoryAnnotation.FieldOf"/>) and refuses a field given twice as it does.
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
        bool? abort = null;
        var seen = EntryField.None;
        var valid = true;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var field = RevisionHistoryAnnotation.FieldOf(ref reader);
            reader.Read();
            valid &= RevisionHistoryAnnotation.Mark(ref seen, field);
            var type = reader.TokenType;
            switch (field)
            {
                case EntryField.Seq when type == JsonTokenType.Number && reader.TryGetInt64(out var number) && number >= 1:
                    seq = number;
                    break;
                case EntryField.At when type == JsonTokenType.String && ParseTime(ref reader) is { } time:
                    at = time;
                    break;
                case EntryField.By or EntryField.Op or EntryField.Trigger when type == JsonTokenType.String:
                    break;
                case EntryField.Fingerprint when type == JsonTokenType.String:
                    matches = reader.ValueTextEquals(fingerprint);
                    break;
                case EntryField.Images when type == JsonTokenType.StartArray:
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    {
                        if (reader.TokenType != JsonTokenType.String)
                        {
                            reader.Skip();
                            valid = false;
                        }
                    }

                    break;
                case EntryField.Deadline:
                    deadline = type == JsonTokenType.Number && reader.TryGetInt32(out var seconds) ? seconds : null;
                    reader.Skip();
                    break;
                case EntryField.Abort when type is JsonTokenType.True or JsonTokenType.False:
                    abort = type == JsonTokenType.True;
                    break;
                case EntryField.None:
                    reader.Skip(); // a field from a newer version: not an error
                    break;
                default:
                    valid = false; // a known field with the wrong type
                    reader.Skip();
                    break;
            }
        }

        return valid && (seen & EntryField.Required) == EntryField.Required && seq is { } s && at is { } a && abort is { } b
            ? new RecordedRevision(s, a, deadline, b)
            : null;
    }

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

using System.Buffers;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace DeadlineGuard.History;

/// <summary>Reads and writes the <c>deadline-guard.io/revision-history</c> annotation: a compact JSON array, oldest first.</summary>
public static class RevisionHistoryAnnotation
{
    public const string Key = "deadline-guard.io/revision-history";

    private const int MaxDepth = 8;

    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_entry;

    [ThreadStatic]
    private static Utf8JsonWriter? t_entryWriter;

    public static string Serialize(IReadOnlyList<RevisionEntry> entries)
    {
        var buffer = new ArrayBufferWriter<byte>(256 * Math.Max(1, entries.Count));
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartArray();
            foreach (var e in entries)
            {
                WriteEntry(writer, e);
            }

            writer.WriteEndArray();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>One entry as <see cref="Serialize"/> writes it inside the array (DESIGN.md §4 field order).</summary>
    public static byte[] SerializeEntry(RevisionEntry entry)
    {
        var buffer = t_entry ??= new ArrayBufferWriter<byte>(512);
        buffer.ResetWrittenCount();
        var writer = t_entryWriter ??= new Utf8JsonWriter(buffer, WriterOptions);
        writer.Reset(buffer);
        WriteEntry(writer, entry);
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteEntry(Utf8JsonWriter writer, RevisionEntry e)
    {
        writer.WriteStartObject();
        writer.WriteNumber("seq", e.Seq);
        writer.WriteString("at", FormatTime(e.At));
        writer.WriteString("by", e.By);
        writer.WriteString("op", e.Op);
        writer.WriteString("trigger", e.Trigger);
        writer.WriteString("fingerprint", e.Fingerprint);
        writer.WriteStartArray("images");
        foreach (var image in e.Images)
        {
            writer.WriteStringValue(image);
        }

        writer.WriteEndArray();
        if (e.DeadlineSeconds is { } seconds)
        {
            writer.WriteNumber("deadlineSeconds", seconds);
        }
        else
        {
            writer.WriteNull("deadlineSeconds");
        }

        writer.WriteBoolean("abort", e.Abort);
        writer.WriteEndObject();
    }

    public static string FormatTime(DateTimeOffset at) =>
        at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>Parses an annotation value; on failure returns false and a one-line reason.</summary>
    public static bool TryParse(string text, out IReadOnlyList<RevisionEntry> entries, out string error) =>
        TryParse(Encoding.UTF8.GetBytes(text), out entries, out error);

    /// <summary>As <see cref="TryParse(string, out IReadOnlyList{RevisionEntry}, out string)"/>, over the value's UTF-8 bytes.</summary>
    /// <remarks>A forward-only reader: this runs on every UPDATE of every Rollout, so it builds no JSON tree.</remarks>
    public static bool TryParse(ReadOnlySpan<byte> utf8, out IReadOnlyList<RevisionEntry> entries, out string error)
    {
        var parsed = new List<RevisionEntry>();
        if (!TryRead(utf8, parsed, null, out error))
        {
            entries = [];
            return false;
        }

        entries = parsed;
        return true;
    }

    /// <summary>
    /// Checks a value exactly as <see cref="TryParse(ReadOnlySpan{byte}, out IReadOnlyList{RevisionEntry}, out string)"/>
    /// does, but builds no entries: it records where each lies in the text and its seq, so that entries can be
    /// dropped or appended by slicing the text.
    /// </summary>
    internal static bool TryOutline(ReadOnlySpan<byte> utf8, out HistoryOutline outline, out string error)
    {
        var spans = new List<EntrySpan>();
        if (!TryRead(utf8, null, spans, out error))
        {
            outline = HistoryOutline.Empty;
            return false;
        }

        outline = new HistoryOutline(spans);
        return true;
    }

    private static bool TryRead(ReadOnlySpan<byte> utf8, List<RevisionEntry>? entries, List<EntrySpan>? spans, out string error)
    {
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = MaxDepth });
        var count = 0;
        var lastSeq = 0L;
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray)
            {
                var found = reader.TokenType;
                reader.Skip(); // throws when the value is not JSON at all
                error = found == JsonTokenType.None ? "empty" : $"not a JSON array (found {found})";
                return false;
            }

            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                var start = (int)reader.TokenStartIndex;
                if (!ReadEntry(ref reader, entries is not null, out var seq, out var entry))
                {
                    error = $"entry {count} is not a revision entry";
                    return false;
                }

                if (count > 0 && seq <= lastSeq)
                {
                    error = $"entry {count} has seq {seq}, not above the previous {lastSeq}";
                    return false;
                }

                entries?.Add(entry!);
                spans?.Add(new EntrySpan(start, (int)reader.BytesConsumed, seq));
                lastSeq = seq;
                count++;
            }

            if (reader.Read())
            {
                error = "unexpected content after the array";
                return false;
            }
        }
        catch (JsonException e)
        {
            error = $"not JSON (line {(e.LineNumber ?? 0) + 1}, byte {(e.BytePositionInLine ?? 0) + 1})";
            return false;
        }
        catch (InvalidOperationException)
        {
            // A string that does not transcode (a lone surrogate escape): the value is not a history.
            error = "not JSON (a string is not valid Unicode)";
            return false;
        }

        error = string.Empty;
        return true;
    }

    /// <summary>The fields of an entry (DESIGN.md §4), as flags: which of them an entry has given.</summary>
    [Flags]
    internal enum EntryField
    {
        None = 0,
        Seq = 1,
        At = 2,
        By = 4,
        Op = 8,
        Trigger = 16,
        Fingerprint = 32,
        Images = 64,
        Deadline = 128,
        Abort = 256,
        Required = Seq | At | By | Op | Trigger | Fingerprint | Images | Abort,
    }

    /// <summary>
    /// Reads one entry; with <paramref name="materialize"/> false it checks every field the same way but
    /// allocates nothing. A field of the wrong type, or a field given twice, makes the entry invalid.
    /// </summary>
    private static bool ReadEntry(ref Utf8JsonReader reader, bool materialize, out long seq, out RevisionEntry? entry)
    {
        seq = 0;
        entry = null;
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return false;
        }

        int? deadline = null;
        DateTimeOffset at = default;
        string? by = null, op = null, trigger = null, fingerprint = null;
        List<string>? images = null;
        var abort = false;
        var seen = EntryField.None;
        var valid = true;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var field = FieldOf(ref reader);
            reader.Read();
            valid &= Mark(ref seen, field);
            switch (field)
            {
                case EntryField.Seq when reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var number) && number >= 1:
                    seq = number;
                    break;
                case EntryField.At when reader.TokenType == JsonTokenType.String && TryReadTime(ref reader, out var time):
                    at = time;
                    break;
                case EntryField.By or EntryField.Op or EntryField.Trigger or EntryField.Fingerprint when reader.TokenType == JsonTokenType.String:
                    if (!materialize)
                    {
                        ThrowIfNotUnicode(ref reader);
                    }
                    else if (field == EntryField.By)
                    {
                        by = reader.GetString();
                    }
                    else if (field == EntryField.Op)
                    {
                        op = reader.GetString();
                    }
                    else if (field == EntryField.Trigger)
                    {
                        trigger = reader.GetString();
                    }
                    else
                    {
                        fingerprint = reader.GetString();
                    }

                    break;
                case EntryField.Images when reader.TokenType == JsonTokenType.StartArray:
                    images = materialize ? [] : null;
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    {
                        if (reader.TokenType != JsonTokenType.String)
                        {
                            reader.Skip();
                            valid = false;
                            continue;
                        }

                        if (materialize)
                        {
                            images!.Add(reader.GetString()!);
                        }
                        else
                        {
                            ThrowIfNotUnicode(ref reader);
                        }
                    }

                    break;
                case EntryField.Deadline:
                    deadline = reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var seconds) ? seconds : null;
                    reader.Skip();
                    break;
                case EntryField.Abort when reader.TokenType is JsonTokenType.True or JsonTokenType.False:
                    abort = reader.GetBoolean();
                    break;
                case EntryField.None:
                    reader.Skip(); // a field from a newer version: kept out, not an error
                    break;
                default:
                    valid = false; // present with the wrong type
                    reader.Skip();
                    break;
            }
        }

        if (!valid || (seen & EntryField.Required) != EntryField.Required || seq < 1)
        {
            return false;
        }

        if (materialize)
        {
            entry = new RevisionEntry(seq, at, by!, op!, trigger!, fingerprint!, images!, deadline, abort);
        }

        return true;
    }

    /// <summary>The entry field the reader's property name is; <see cref="EntryField.None"/> for any other (a newer version's).</summary>
    internal static EntryField FieldOf(ref Utf8JsonReader reader) =>
        reader.ValueTextEquals("seq"u8) ? EntryField.Seq
        : reader.ValueTextEquals("at"u8) ? EntryField.At
        : reader.ValueTextEquals("by"u8) ? EntryField.By
        : reader.ValueTextEquals("op"u8) ? EntryField.Op
        : reader.ValueTextEquals("trigger"u8) ? EntryField.Trigger
        : reader.ValueTextEquals("fingerprint"u8) ? EntryField.Fingerprint
        : reader.ValueTextEquals("images"u8) ? EntryField.Images
        : reader.ValueTextEquals("deadlineSeconds"u8) ? EntryField.Deadline
        : reader.ValueTextEquals("abort"u8) ? EntryField.Abort
        : EntryField.None;

    /// <summary>Adds <paramref name="field"/> to those <paramref name="seen"/>; false when it was there already: given twice, which one would a reader believe?</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool Mark(ref EntryField seen, EntryField field)
    {
        var first = field == EntryField.None || (seen & field) == 0;
        seen |= field;
        return first;
    }

    /// <summary>A string whose escapes do not make valid UTF-16 fails here as it would in GetString.</summary>
    private static void ThrowIfNotUnicode(ref Utf8JsonReader reader)
    {
        if (reader.ValueIsEscaped)
        {
            _ = reader.GetString();
        }
    }

    /// <summary>
    /// The time of an entry, accepted as DateTimeOffset.TryParse (invariant, UTC assumed) accepts it. The form the
    /// webhook writes, <c>2026-11-27T10:00:00Z</c>, is read directly; any other goes through the general parser.
    /// </summary>
    private static bool TryReadTime(ref Utf8JsonReader reader, out DateTimeOffset at)
    {
        if (!reader.ValueIsEscaped && TryParseWrittenForm(reader.ValueSpan, out at))
        {
            return true;
        }

        return DateTimeOffset.TryParse(reader.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out at);
    }

    /// <summary>Exactly <c>yyyy-MM-ddTHH:mm:ssZ</c> with values in range; anything else is left to the general parser.</summary>
    internal static bool TryParseWrittenForm(ReadOnlySpan<byte> text, out DateTimeOffset at)
    {
        at = default;
        if (text.Length != 20 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' || text[16] != ':' || text[19] != 'Z'
            || !Digits(text, 0, 4, out var year) || !Digits(text, 5, 2, out var month) || !Digits(text, 8, 2, out var day)
            || !Digits(text, 11, 2, out var hour) || !Digits(text, 14, 2, out var minute) || !Digits(text, 17, 2, out var second)
            || year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }

        at = new DateTimeOffset(year, month, day, hour, minute, second, TimeSpan.Zero);
        return true;
    }

    private static bool Digits(ReadOnlySpan<byte> text, int start, int length, out int value)
    {
        value = 0;
        foreach (var b in text.Slice(start, length))
        {
            if (b is < (byte)'0' or > (byte)'9')
            {
                return false;
            }

            value = (value * 10) + (b - '0');
        }

        return true;
    }
}

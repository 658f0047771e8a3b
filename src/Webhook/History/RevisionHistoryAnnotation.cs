using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using DeadlineGuard.Json;

namespace DeadlineGuard.History;

/// <summary>Reads and writes the <c>deadline-guard.io/revision-history</c> annotation: a compact JSON array, oldest first.</summary>
public static class RevisionHistoryAnnotation
{
    public const string Key = "deadline-guard.io/revision-history";

    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Serialize(IReadOnlyList<RevisionEntry> entries)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256 * Math.Max(1, entries.Count));
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartArray();
            foreach (var e in entries)
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

            writer.WriteEndArray();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    public static string FormatTime(DateTimeOffset at) =>
        at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>Parses an annotation value; on failure returns false and a one-line reason.</summary>
    /// <remarks>A forward-only reader: this runs on every UPDATE of every Rollout, so it builds no JSON tree.</remarks>
    public static bool TryParse(string text, out IReadOnlyList<RevisionEntry> entries, out string error)
    {
        entries = [];
        var parsed = new List<RevisionEntry>();
        var bytes = System.Text.Encoding.UTF8.GetBytes(text);
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { MaxDepth = 8 });
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
                if (ReadEntry(ref reader) is not { } entry)
                {
                    error = $"entry {parsed.Count} is not a revision entry";
                    return false;
                }

                if (parsed.Count > 0 && entry.Seq <= parsed[^1].Seq)
                {
                    error = $"entry {parsed.Count} has seq {entry.Seq}, not above the previous {parsed[^1].Seq}";
                    return false;
                }

                parsed.Add(entry);
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

        entries = parsed;
        error = string.Empty;
        return true;
    }

    private static RevisionEntry? ReadEntry(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return null;
        }

        int? seq = null, deadline = null;
        DateTimeOffset? at = null;
        string? by = null, op = null, trigger = null, fingerprint = null;
        List<string>? images = null;
        bool? abort = null;
        var valid = true;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString();
            reader.Read();
            switch (name)
            {
                case "seq" when reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var number) && number >= 1:
                    seq = number;
                    break;
                case "at" when reader.TokenType == JsonTokenType.String
                    && DateTimeOffset.TryParse(reader.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time):
                    at = time;
                    break;
                case "by" when reader.TokenType == JsonTokenType.String:
                    by = reader.GetString();
                    break;
                case "op" when reader.TokenType == JsonTokenType.String:
                    op = reader.GetString();
                    break;
                case "trigger" when reader.TokenType == JsonTokenType.String:
                    trigger = reader.GetString();
                    break;
                case "fingerprint" when reader.TokenType == JsonTokenType.String:
                    fingerprint = reader.GetString();
                    break;
                case "images" when reader.TokenType == JsonTokenType.StartArray:
                    images = [];
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    {
                        if (reader.TokenType != JsonTokenType.String)
                        {
                            reader.Skip();
                            valid = false;
                            continue;
                        }

                        images.Add(reader.GetString()!);
                    }

                    break;
                case "deadlineSeconds":
                    deadline = reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var seconds) ? seconds : null;
                    reader.Skip();
                    break;
                case "abort" when reader.TokenType is JsonTokenType.True or JsonTokenType.False:
                    abort = reader.GetBoolean();
                    break;
                case "seq" or "at" or "by" or "op" or "trigger" or "fingerprint" or "images" or "abort":
                    valid = false; // present with the wrong type
                    reader.Skip();
                    break;
                default:
                    reader.Skip(); // a field from a newer version: kept out, not an error
                    break;
            }
        }

        return valid && seq is { } s && at is { } a && by is not null && op is not null && trigger is not null && fingerprint is not null && images is not null && abort is { } b
            ? new RevisionEntry(s, a, by, op, trigger, fingerprint, images, deadline, b)
            : null;
    }
}

using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
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
    public static bool TryParse(string text, out IReadOnlyList<RevisionEntry> entries, out string error)
    {
        entries = [];
        error = string.Empty;
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException e)
        {
            error = $"not JSON (line {(e.LineNumber ?? 0) + 1}, byte {(e.BytePositionInLine ?? 0) + 1})";
            return false;
        }

        if (root is not JsonArray array)
        {
            error = $"not a JSON array (found {JsonValues.Describe(root)})";
            return false;
        }

        var parsed = new List<RevisionEntry>(array.Count);
        for (var i = 0; i < array.Count; i++)
        {
            if (ParseEntry(array[i]) is not { } entry)
            {
                error = $"entry {i} is not a revision entry";
                return false;
            }

            if (parsed.Count > 0 && entry.Seq <= parsed[^1].Seq)
            {
                error = $"entry {i} has seq {entry.Seq}, not above the previous {parsed[^1].Seq}";
                return false;
            }

            parsed.Add(entry);
        }

        entries = parsed;
        return true;
    }

    private static RevisionEntry? ParseEntry(JsonNode? node)
    {
        if (node is not JsonObject o
            || !JsonValues.TryGetInt32(o["seq"], out var seq) || seq < 1
            || JsonValues.GetString(o["at"]) is not { } atText
            || !DateTimeOffset.TryParse(atText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
            || JsonValues.GetString(o["by"]) is not { } by
            || JsonValues.GetString(o["op"]) is not { } op
            || JsonValues.GetString(o["trigger"]) is not { } trigger
            || JsonValues.GetString(o["fingerprint"]) is not { } fingerprint
            || o["images"] is not JsonArray imageArray
            || !JsonValues.TryGetBool(o["abort"], out var abort))
        {
            return null;
        }

        int? deadline = JsonValues.TryGetInt32(o["deadlineSeconds"], out var seconds) ? seconds : null;
        var images = new List<string>(imageArray.Count);
        foreach (var image in imageArray)
        {
            if (JsonValues.GetString(image) is not { } text)
            {
                return null;
            }

            images.Add(text);
        }

        return new RevisionEntry(seq, at, by, op, trigger, fingerprint, images, deadline, abort);
    }
}

using System.Runtime.CompilerServices;
using System.Text.Json;

namespace DeadlineGuard.Reconciler;

/// <summary>
/// Reads a watch response (one JSON event object after another: <c>{"type":"MODIFIED","object":{…}}</c>) from the
/// stream, decoding each event as soon as it is complete. The object's bytes are dropped once decoded; a BOOKMARK
/// keeps only its resourceVersion, an ERROR its Status.
/// </summary>
public sealed class RolloutWatchReader(RolloutDecoder decoder)
{
    private readonly List<RolloutWatchEvent> _ready = [];

    /// <summary>Hands each event to <paramref name="onEvent"/> in order until the stream ends.</summary>
    public async Task ReadAsync(Stream body, Func<RolloutWatchEvent, ValueTask> onEvent, CancellationToken cancellationToken)
    {
        using var buffer = new JsonStreamBuffer(body, RolloutDecoder.ReaderOptions, 16 * 1024);
        var more = true;
        while (true)
        {
            bool ended;
            try
            {
                ended = Advance(buffer);
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"the watch stream is not JSON: {e.Message}", e);
            }

            foreach (var item in _ready)
            {
                await onEvent(item);
            }

            _ready.Clear();
            if (ended || !more)
            {
                return;
            }

            more = await buffer.ReadMoreAsync(cancellationToken);
        }
    }

    /// <summary>Reads every complete event in the buffer; true when the stream has ended and nothing is left.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool Advance(JsonStreamBuffer buffer)
    {
        while (true)
        {
            var data = buffer.Data;
            var blank = data.IndexOfAnyExcept(" \t\r\n"u8);
            if (blank < 0)
            {
                buffer.Advance(data.Length, new JsonReaderState(buffer.Options));
                return buffer.Completed;
            }

            // Each event is read with a fresh reader: the stream is a sequence of top-level values.
            var reader = new Utf8JsonReader(data, buffer.Completed, new JsonReaderState(buffer.Options));
            if (!reader.Read())
            {
                return false;
            }

            if (reader.TokenType != JsonTokenType.StartObject)
            {
                throw new InvalidDataException($"the watch stream has a {reader.TokenType} where an event object belongs");
            }

            var start = (int)reader.TokenStartIndex;
            if (!reader.TrySkip())
            {
                return false;
            }

            var end = (int)reader.BytesConsumed;
            _ready.Add(Read(data[start..end]));
            buffer.Advance(end, new JsonReaderState(buffer.Options));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private RolloutWatchEvent Read(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, RolloutDecoder.ReaderOptions);
        reader.Read();
        string? type = null;
        int objectStart = -1, objectEnd = -1;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isType = reader.ValueTextEquals("type"u8);
            var isObject = reader.ValueTextEquals("object"u8);
            reader.Read();
            if (isType && reader.TokenType == JsonTokenType.String)
            {
                type = reader.GetString();
            }
            else if (isObject)
            {
                objectStart = (int)reader.TokenStartIndex;
                reader.Skip();
                objectEnd = (int)reader.BytesConsumed;
                continue;
            }

            reader.Skip();
        }

        var obj = objectStart >= 0 ? json[objectStart..objectEnd] : default;
        var kind = type switch
        {
            "ADDED" => WatchEventKind.Added,
            "MODIFIED" => WatchEventKind.Modified,
            "DELETED" => WatchEventKind.Deleted,
            "BOOKMARK" => WatchEventKind.Bookmark,
            "ERROR" => WatchEventKind.Error,
            _ => WatchEventKind.Unreadable,
        };
        switch (kind)
        {
            case WatchEventKind.Error:
                return new RolloutWatchEvent(kind, null, null, ApiStatusException.FromStatus(obj, 500, "watch of Rollouts ended with an ERROR event"));
            case WatchEventKind.Bookmark:
                return new RolloutWatchEvent(kind, null, BookmarkVersion(obj));
            case WatchEventKind.Unreadable:
                return new RolloutWatchEvent(kind, null, null, Problem: $"an event of unknown type \"{type}\"");
        }

        try
        {
            return decoder.Decode(obj) is { } snapshot
                ? new RolloutWatchEvent(kind, snapshot, snapshot.ResourceVersion)
                : new RolloutWatchEvent(WatchEventKind.Unreadable, null, null, Problem: $"a {type} event without an object");
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or ArgumentException or FormatException)
        {
            return new RolloutWatchEvent(WatchEventKind.Unreadable, null, null, Problem: $"the object of a {type} event cannot be read: {e.Message}");
        }
    }

    private static string? BookmarkVersion(ReadOnlySpan<byte> obj)
    {
        if (obj.IsEmpty)
        {
            return null;
        }

        var reader = new Utf8JsonReader(obj, RolloutDecoder.ReaderOptions);
        reader.Read();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (!reader.ValueTextEquals("metadata"u8))
            {
                reader.Read();
                reader.Skip();
                continue;
            }

            reader.Read();
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                reader.Skip();
                continue;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isVersion = reader.ValueTextEquals("resourceVersion"u8);
                reader.Read();
                if (isVersion && reader.TokenType == JsonTokenType.String)
                {
                    return reader.GetString();
                }

                reader.Skip();
            }
        }

        return null;
    }
}

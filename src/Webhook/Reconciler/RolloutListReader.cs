using System.Runtime.CompilerServices;
using System.Text.Json;

namespace DeadlineGuard.Reconciler;

/// <summary>
/// Reads one page of a Rollout list (<c>{"apiVersion":…,"items":[…],"kind":…,"metadata":{"continue":…,
/// "resourceVersion":…}}</c>, members in any order: the API server encodes custom resources as maps, so "items" comes
/// before "metadata") from the response stream, in one pass: each item is decoded by the reader that reads the list,
/// as soon as it is complete (an item cut off by the end of what has arrived is decoded again, whole, once the rest is
/// in), and its bytes are then dropped: the page is never held whole. An item that cannot be decoded is counted and
/// skipped, not fatal.
/// </summary>
public sealed class RolloutListReader(RolloutDecoder decoder)
{
    /// <summary>Bytes asked of the stream at a time (a page is megabytes): fewer, larger reads mean fewer wake-ups.</summary>
    public const int ReadSize = 256 * 1024;

    private Phase _phase;

    private enum Phase
    {
        Start,
        Members,
        Items,
        Done,
    }

    public List<RolloutSnapshot> Items { get; } = [];

    /// <summary>metadata.resourceVersion of the list.</summary>
    public string? ResourceVersion { get; private set; }

    /// <summary>metadata.continue: the token for the next page, or null on the last.</summary>
    public string? Continue { get; private set; }

    /// <summary>metadata.remainingItemCount: how many items the next pages hold, when the server says (an estimate with selectors).</summary>
    public long? RemainingItemCount { get; private set; }

    /// <summary>Items that were not objects or could not be decoded.</summary>
    public int Skipped { get; private set; }

    /// <summary>Why the first skipped item was skipped.</summary>
    public string? FirstProblem { get; private set; }

    /// <summary>Bytes of the page.</summary>
    public long Bytes { get; private set; }

    /// <summary>The largest the read buffer grew while reading the page (it holds one unfinished item at most).</summary>
    public int PeakBuffer { get; private set; }

    public async Task ReadAsync(Stream body, CancellationToken cancellationToken)
    {
        using var buffer = new JsonStreamBuffer(body, RolloutDecoder.ReaderOptions, ReadSize);
        try
        {
            while (!Advance(buffer))
            {
                var more = await buffer.ReadMoreAsync(cancellationToken);
                PeakBuffer = Math.Max(PeakBuffer, buffer.Capacity);
                if (!more && !Advance(buffer))
                {
                    throw new InvalidDataException("the list response ended before the list did");
                }
            }
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"the list response is not JSON (byte {buffer.Received - buffer.Data.Length + (e.BytePositionInLine ?? 0)}): {e.Message}", e);
        }
        finally
        {
            Bytes = buffer.Received;
        }
    }

    /// <summary>Reads what is complete in the buffer; true when the list has ended.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool Advance(JsonStreamBuffer buffer)
    {
        var data = buffer.Data;
        var reader = new Utf8JsonReader(data, buffer.Completed, buffer.State);
        var consumed = 0L;
        var state = reader.CurrentState;
        while (_phase != Phase.Done && Step(ref reader, data))
        {
            consumed = reader.BytesConsumed;
            state = reader.CurrentState;
        }

        // Up to the last whole step: a value cut off by the end of the buffer is read again with more bytes.
        buffer.Advance((int)consumed, state);
        return _phase == Phase.Done;
    }

    /// <summary>One token, one skipped member or one item; false when the buffer ends first.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool Step(ref Utf8JsonReader reader, ReadOnlySpan<byte> data)
    {
        switch (_phase)
        {
            case Phase.Start:
                if (!reader.Read())
                {
                    return false;
                }

                _phase = reader.TokenType == JsonTokenType.StartObject ? Phase.Members : throw new InvalidDataException($"the list response is not a JSON object (found {reader.TokenType})");
                return true;
            case Phase.Members:
                if (!reader.Read())
                {
                    return false;
                }

                if (reader.TokenType == JsonTokenType.EndObject)
                {
                    _phase = Phase.Done;
                    return true;
                }

                var items = reader.ValueTextEquals("items"u8);
                var metadata = reader.ValueTextEquals("metadata"u8);
                if (!reader.Read())
                {
                    return false;
                }

                if (items && reader.TokenType == JsonTokenType.StartArray)
                {
                    _phase = Phase.Items;
                    return true;
                }

                var start = (int)reader.TokenStartIndex;
                if (!reader.TrySkip())
                {
                    return false;
                }

                if (metadata && reader.TokenType == JsonTokenType.EndObject)
                {
                    ReadMetadata(data[start..(int)reader.BytesConsumed]);
                }

                return true;
            case Phase.Items:
                if (!reader.Read())
                {
                    return false;
                }

                if (reader.TokenType == JsonTokenType.EndArray)
                {
                    _phase = Phase.Members;
                    return true;
                }

                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    if (!reader.TrySkip())
                    {
                        return false;
                    }

                    Skip($"item {Items.Count + Skipped} is not an object");
                    return true;
                }

                return DecodeItem(ref reader, data);
            default:
                return false;
        }
    }

    /// <summary>
    /// Decodes the item whose StartObject the reader is on, in the same pass as the list is read: false when the
    /// buffer ends inside it (it is read again, whole, once more bytes are in). An item the decoder cannot read is
    /// skipped over, counted, and the list goes on.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool DecodeItem(ref Utf8JsonReader reader, ReadOnlySpan<byte> data)
    {
        var start = reader; // a copy, still on the item's StartObject
        try
        {
            Items.Add(decoder.Decode(ref reader, data));
            return true;
        }
        catch (IncompleteJsonException)
        {
            return false;
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or FormatException)
        {
            reader = start;
            if (!reader.TrySkip())
            {
                return false;
            }

            Skip($"item {Items.Count + Skipped} cannot be read: {e.Message}");
            return true;
        }
    }

    private void Skip(string problem)
    {
        Skipped++;
        FirstProblem ??= problem;
    }

    private void ReadMetadata(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        reader.Read();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var field = reader.ValueTextEquals("resourceVersion"u8) ? 1 : reader.ValueTextEquals("continue"u8) ? 2 : reader.ValueTextEquals("remainingItemCount"u8) ? 3 : 0;
            reader.Read();
            if (field == 3 && reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var remaining) && remaining >= 0)
            {
                RemainingItemCount = remaining;
            }

            if (reader.TokenType == JsonTokenType.String && field == 1)
            {
                ResourceVersion = reader.GetString();
            }
            else if (reader.TokenType == JsonTokenType.String && field == 2)
            {
                Continue = reader.GetString() is { Length: > 0 } token ? token : null;
            }

            reader.Skip();
        }
    }
}

using System.Buffers;
using System.Text.Json;

namespace DeadlineGuard.Reconciler;

/// <summary>
/// The unread part of a response body, for reading it with a <see cref="Utf8JsonReader"/> as it arrives: the reader
/// takes <see cref="Data"/> and <see cref="State"/>, reads what is complete, and <see cref="Advance"/> keeps the rest;
/// <see cref="ReadMoreAsync"/> appends the next bytes of the stream. It holds at most one JSON value that is not yet
/// complete (it grows to the largest single value, up to <see cref="MaxValueBytes"/>), never the whole body.
/// </summary>
public sealed class JsonStreamBuffer : IDisposable
{
    /// <summary>A Kubernetes object is at most about 1.5 MiB (etcd's request limit); this bounds a broken or hostile answer.</summary>
    public const int MaxValueBytes = 16 * 1024 * 1024;

    private readonly Stream _stream;
    private byte[] _buffer;
    private int _start;
    private int _end;

    public JsonStreamBuffer(Stream stream, JsonReaderOptions options, int initialSize = 64 * 1024)
    {
        _stream = stream;
        _buffer = ArrayPool<byte>.Shared.Rent(initialSize);
        Options = options;
        State = new JsonReaderState(options);
    }

    public JsonReaderOptions Options { get; }

    /// <summary>The bytes received and not yet consumed.</summary>
    public ReadOnlySpan<byte> Data => _buffer.AsSpan(_start, _end - _start);

    /// <summary>The reader state at the start of <see cref="Data"/>.</summary>
    public JsonReaderState State { get; private set; }

    /// <summary>The stream has ended: <see cref="Data"/> is all that is left.</summary>
    public bool Completed { get; private set; }

    /// <summary>The buffer's size now: at most the largest single value read, rounded up by the pool.</summary>
    public int Capacity => _buffer.Length;

    /// <summary>Total bytes received.</summary>
    public long Received { get; private set; }

    /// <summary>Drops the first <paramref name="consumed"/> bytes of <see cref="Data"/>; <paramref name="state"/> is the reader's state there.</summary>
    public void Advance(int consumed, JsonReaderState state)
    {
        _start += consumed;
        State = state;
        if (_start == _end)
        {
            _start = _end = 0;
        }
    }

    /// <summary>Reads the next bytes of the stream; false when it has ended.</summary>
    /// <exception cref="InvalidDataException">One value is larger than <see cref="MaxValueBytes"/>.</exception>
    public async ValueTask<bool> ReadMoreAsync(CancellationToken cancellationToken)
    {
        if (Completed)
        {
            return false;
        }

        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }

        if (_end == _buffer.Length)
        {
            if (_buffer.Length >= MaxValueBytes)
            {
                throw new InvalidDataException($"a single JSON value in the response is larger than {MaxValueBytes / (1024 * 1024)} MiB");
            }

            var larger = ArrayPool<byte>.Shared.Rent(Math.Min(MaxValueBytes, _buffer.Length * 2));
            Buffer.BlockCopy(_buffer, 0, larger, 0, _end);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = larger;
        }

        var read = await _stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken);
        if (read == 0)
        {
            Completed = true;
            return false;
        }

        _end += read;
        Received += read;
        return true;
    }

    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = [];
        _start = _end = 0;
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}

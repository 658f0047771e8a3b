using System.Threading.Channels;

namespace DeadlineGuard.Bench.FakeApi;

/// <summary>The open watch streams: a change is written to each of them, in order.</summary>
internal sealed class WatchHub
{
    private readonly Lock _gate = new();
    private readonly List<Channel<byte[]>> _watches = [];

    public Channel<byte[]> Open()
    {
        var lines = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true });
        lock (_gate)
        {
            _watches.Add(lines);
        }

        return lines;
    }

    public void Close(Channel<byte[]> lines)
    {
        lock (_gate)
        {
            _watches.Remove(lines);
        }
    }

    /// <summary>Writes one event line to every open watch; how many got it.</summary>
    public int Broadcast(byte[] line)
    {
        lock (_gate)
        {
            foreach (var watch in _watches)
            {
                watch.Writer.TryWrite(line);
            }

            return _watches.Count;
        }
    }
}

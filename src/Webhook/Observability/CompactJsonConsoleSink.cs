using System.Globalization;
using System.Threading.Channels;
using Serilog.Core;
using Serilog.Debugging;
using Serilog.Events;
using Serilog.Formatting.Compact;

namespace DeadlineGuard.Observability;

/// <summary>
/// Writes events to stdout as compact JSON (CLEF), one line each, off the request path: an event is queued; a
/// thread of its own wakes when the first one arrives, lets a batch gather for <see cref="Rest"/>, then writes
/// everything queued with one console write. A busy server so writes a few batches a second rather than a line
/// per review, and nothing spins: the async wrapper this replaces had a consumer that spun (yielded) for every
/// event, which on a one-CPU pod cost more CPU than the review it logged, and a timer per batch costs a wake-up
/// of the runtime's timer thread (docs/benchmarks.md). Up to <see cref="Capacity"/> events wait while stdout is
/// stalled; beyond that they are dropped (and counted in Serilog's SelfLog) rather than stall admission or
/// exhaust memory.
/// </summary>
public sealed class CompactJsonConsoleSink : ILogEventSink, IDisposable
{
    public const int Capacity = 100_000;

    private const int MaxBatch = 1000;

    private static readonly TimeSpan Rest = TimeSpan.FromMilliseconds(20);

    private readonly Channel<LogEvent> _queue = Channel.CreateBounded<LogEvent>(
        new BoundedChannelOptions(Capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    /// <summary>Set when an event is queued; waited on without spinning.</summary>
    private readonly ManualResetEventSlim _queued = new(false, spinCount: 0);

    private readonly CompactJsonFormatter _formatter = new();
    private readonly TextWriter _output;
    private readonly Thread _pump;
    private volatile bool _stopping;
    private long _dropped;

    public CompactJsonConsoleSink(TextWriter output)
    {
        _output = output;
        _pump = new Thread(Pump) { IsBackground = true, Name = "log writer" };
        _pump.Start();
    }

    public CompactJsonConsoleSink()
        : this(Console.Out)
    {
    }

    public void Emit(LogEvent logEvent)
    {
        if (!_queue.Writer.TryWrite(logEvent))
        {
            Interlocked.Increment(ref _dropped);
        }
        else if (!_queued.IsSet)
        {
            try
            {
                _queued.Set();
            }
            catch (ObjectDisposedException)
            {
                // Emitted while the logger was being disposed: the event stays unwritten, as any after it.
            }
        }
    }

    private void Pump()
    {
        using var batch = new StringWriter(CultureInfo.InvariantCulture);
        var reader = _queue.Reader;
        while (true)
        {
            _queued.Wait();
            if (!_stopping)
            {
                Thread.Sleep(Rest);
            }

            // Reset before draining: an event queued from here on sets it again.
            _queued.Reset();
            while (Write(reader, batch))
            {
            }

            if (_stopping && !reader.TryPeek(out _))
            {
                return;
            }
        }
    }

    /// <summary>Writes up to one batch of what is queued; false when the queue was empty.</summary>
    private bool Write(ChannelReader<LogEvent> reader, StringWriter batch)
    {
        var text = batch.GetStringBuilder().Clear();
        var written = 0;
        while (written < MaxBatch && reader.TryRead(out var logEvent))
        {
            _formatter.Format(logEvent, batch);
            written++;
        }

        if (Interlocked.Exchange(ref _dropped, 0) is > 0 and var dropped)
        {
            SelfLog.WriteLine("{0} log events dropped: stdout did not keep up", dropped);
        }

        if (written == 0)
        {
            return false;
        }

        try
        {
            _output.Write(text);
            _output.Flush();
        }
        catch (IOException e)
        {
            SelfLog.WriteLine("Writing log events to stdout failed: {0}", e.Message);
        }

        if (text.Capacity > 1 << 20)
        {
            text.Capacity = 1 << 16; // do not keep the memory of a burst
        }

        return true;
    }

    /// <summary>Writes what is queued and stops; waits at most five seconds for stdout.</summary>
    public void Dispose()
    {
        _stopping = true;
        _queue.Writer.TryComplete();
        _queued.Set();
        _pump.Join(TimeSpan.FromSeconds(5));
        _queued.Dispose();
    }
}

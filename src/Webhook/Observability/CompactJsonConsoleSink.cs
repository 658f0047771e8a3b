using System.Globalization;
using System.Threading.Channels;
using Serilog.Core;
using Serilog.Debugging;
using Serilog.Events;
using Serilog.Formatting.Compact;

namespace DeadlineGuard.Observability;

/// <summary>
/// Writes events to stdout as compact JSON (CLEF), one line each, off the request path: an event is queued in
/// a channel; one pump drains whatever has queued, writes it with one console write, then rests for
/// <see cref="Rest"/> so that a busy server writes a few batches a second rather than one line per review.
/// Nothing spins and no timer is made per event: the async wrapper this replaces had a consumer thread that
/// spun (yielded) for every event, which on a one-CPU pod cost more CPU than the review it logged
/// (docs/benchmarks.md). Up to <see cref="Capacity"/> events wait while stdout is stalled; beyond that they are
/// dropped (and counted in Serilog's SelfLog) rather than stall admission or exhaust memory.
/// </summary>
public sealed class CompactJsonConsoleSink : ILogEventSink, IDisposable
{
    public const int Capacity = 100_000;

    private const int MaxBatch = 1000;

    private static readonly TimeSpan Rest = TimeSpan.FromMilliseconds(20);

    private readonly Channel<LogEvent> _queue = Channel.CreateBounded<LogEvent>(
        new BoundedChannelOptions(Capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    private readonly CompactJsonFormatter _formatter = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly TextWriter _output;
    private readonly Task _pump;
    private long _dropped;

    public CompactJsonConsoleSink(TextWriter output)
    {
        _output = output;
        _pump = Task.Run(PumpAsync);
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
    }

    private async Task PumpAsync()
    {
        using var batch = new StringWriter(CultureInfo.InvariantCulture);
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync())
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

            if (written < MaxBatch && !reader.Completion.IsCompleted)
            {
                try
                {
                    await Task.Delay(Rest, _stopping.Token);
                }
                catch (OperationCanceledException)
                {
                    // Stopping: drain what is left without resting.
                }
            }
        }
    }

    /// <summary>Writes what is queued and stops; waits at most five seconds for stdout.</summary>
    public void Dispose()
    {
        _queue.Writer.TryComplete();
        _stopping.Cancel();
        _pump.Wait(TimeSpan.FromSeconds(5));
        _stopping.Dispose();
    }
}

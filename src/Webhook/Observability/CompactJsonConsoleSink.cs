using System.Globalization;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting.Compact;

namespace DeadlineGuard.Observability;

/// <summary>
/// Writes batches of events to stdout as compact JSON (CLEF), one line each, with one console write per batch.
/// Serilog's batching runs it on the thread pool and waits for events without spinning: the async wrapper it
/// replaces had a consumer thread that spun (yielded) for every event, which on a one-CPU pod cost more CPU than
/// the review it logged (docs/benchmarks.md).
/// </summary>
public sealed class CompactJsonConsoleSink(TextWriter output) : IBatchedLogEventSink, IDisposable
{
    private readonly CompactJsonFormatter _formatter = new();
    private readonly StringWriter _batch = new(CultureInfo.InvariantCulture);

    public CompactJsonConsoleSink()
        : this(Console.Out)
    {
    }

    public Task EmitBatchAsync(IReadOnlyCollection<LogEvent> batch)
    {
        // Batches are emitted one at a time, so the buffer is never shared.
        var text = _batch.GetStringBuilder().Clear();
        foreach (var logEvent in batch)
        {
            _formatter.Format(logEvent, _batch);
        }

        output.Write(text);
        output.Flush();
        if (text.Capacity > 1 << 20)
        {
            text.Capacity = 1 << 16; // do not keep the memory of a burst
        }

        return Task.CompletedTask;
    }

    public Task OnEmptyBatchAsync() => Task.CompletedTask;

    public void Dispose() => _batch.Dispose();
}

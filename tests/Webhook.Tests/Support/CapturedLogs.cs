using System.Collections.Concurrent;
using Serilog;
using Serilog.Configuration;
using Serilog.Core;
using Serilog.Events;

namespace DeadlineGuard.Tests.Support;

/// <summary>
/// A Serilog sink that the program's own logging configuration can name ("Serilog:WriteTo"), so tests see
/// the events the real pipeline produces. Each host gets its own key, hence its own list of events.
/// </summary>
public static class CapturedLogs
{
    private static readonly ConcurrentDictionary<string, ConcurrentQueue<LogEvent>> Events = new();

    /// <summary>Settings that add a capture sink with a new key to the program's Serilog configuration.</summary>
    public static (string Key, Dictionary<string, string?> Settings) NewSink()
    {
        var key = Guid.NewGuid().ToString("N");
        Events[key] = new ConcurrentQueue<LogEvent>();
        return (key, new Dictionary<string, string?>
        {
            ["Serilog:Using:0"] = typeof(CapturedLogs).Assembly.GetName().Name,
            ["Serilog:WriteTo:0:Name"] = nameof(TestCapture),
            ["Serilog:WriteTo:0:Args:key"] = key,
        });
    }

    public static IReadOnlyList<LogEvent> For(string key) => [.. Events[key]];

    /// <summary>The sink configuration method Serilog.Settings.Configuration finds by name.</summary>
    public static LoggerConfiguration TestCapture(this LoggerSinkConfiguration sinks, string key)
    {
        ArgumentNullException.ThrowIfNull(sinks);
        return sinks.Sink(new QueueSink(Events.GetOrAdd(key, _ => new ConcurrentQueue<LogEvent>())));
    }

    private sealed class QueueSink(ConcurrentQueue<LogEvent> queue) : ILogEventSink
    {
        public void Emit(LogEvent logEvent) => queue.Enqueue(logEvent);
    }
}

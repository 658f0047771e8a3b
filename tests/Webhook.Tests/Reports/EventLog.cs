using DeadlineGuard.Tests.Support.FakeKube;
using Microsoft.Extensions.Logging;

namespace DeadlineGuard.Tests.Reports;

/// <summary>A logger that keeps every entry with its event id, and lets a test wait for the n-th entry of an id, without sleeping.</summary>
public sealed class EventLog<T> : ILogger<T>
{
    private readonly Signal<Entry> _entries = new();
    private readonly Lock _gate = new();
    private readonly Dictionary<int, int> _counts = [];

    public IReadOnlyList<Entry> Entries => _entries.Snapshot();

    public int Count(int eventId) => Entries.Count(e => e.EventId == eventId);

    /// <summary>Completes when the <paramref name="count"/>-th entry with <paramref name="eventId"/> is (or was) logged.</summary>
    public Task<Entry> WaitForAsync(int eventId, int count = 1, TimeSpan? timeout = null) =>
        _entries.WaitAsync(e => e.EventId == eventId && e.Ordinal(eventId) >= count, timeout ?? TimeSpan.FromSeconds(15), $"log event {eventId} number {count}");

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        var message = formatter(state, exception);
        lock (_gate)
        {
            var nth = _counts[eventId.Id] = _counts.GetValueOrDefault(eventId.Id) + 1;
            _entries.Add(n => new Entry(n, logLevel, eventId.Id, message, exception, nth));
        }
    }

    /// <summary>One entry; <see cref="Nth"/> counts the entries of its event id, from 1.</summary>
    public sealed record Entry(int Sequence, LogLevel Level, int EventId, string Message, Exception? Exception, int Nth)
    {
        public int Ordinal(int eventId) => EventId == eventId ? Nth : 0;

        public override string ToString() => $"#{Sequence} {Level} {EventId}: {Message}";
    }
}

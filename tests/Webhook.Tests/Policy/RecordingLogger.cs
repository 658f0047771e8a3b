using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace DeadlineGuard.Tests.Policy;

/// <summary>An <see cref="ILogger{T}"/> that keeps every entry and lets a test wait for one, without sleeping.</summary>
public sealed class RecordingLogger<T> : ILogger<T>
{
    private readonly ConcurrentQueue<(LogLevel Level, int EventId, string Message, Exception? Exception)> _entries = new();
    private readonly List<(Func<string, bool> Match, TaskCompletionSource Seen)> _waiters = [];

    public IReadOnlyList<(LogLevel Level, int EventId, string Message, Exception? Exception)> Entries => [.. _entries];

    public IReadOnlyList<string> Messages(int eventId) => [.. _entries.Where(e => e.EventId == eventId).Select(e => e.Message)];

    /// <summary>Completes when an entry whose message matches is logged (or already was).</summary>
    public Task WaitFor(Func<string, bool> match)
    {
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_waiters)
        {
            if (_entries.Any(e => match(e.Message)))
            {
                return Task.CompletedTask;
            }

            _waiters.Add((match, seen));
        }

        return seen.Task;
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        var message = formatter(state, exception);
        lock (_waiters)
        {
            _entries.Enqueue((logLevel, eventId.Id, message, exception));
            foreach (var waiter in _waiters.Where(w => w.Match(message)).ToList())
            {
                waiter.Seen.TrySetResult();
                _waiters.Remove(waiter);
            }
        }
    }
}

using DeadlineGuard.Observability;
using Microsoft.AspNetCore.Connections;

namespace DeadlineGuard.Hosting;

/// <summary>
/// The drain at SIGTERM, before Kestrel stops. Kestrel's own stop closes every idle HTTP/1.1 keep-alive connection at
/// once, and a client that is sending its next request on one at that moment loses it (EOF): a close initiated by the
/// server races with the client's write, which nothing on the server can win. So for up to
/// <c>Shutdown:DrainSeconds</c> the server keeps listening and answering, and every HTTP/1.1 answer carries
/// <c>Connection: close</c> (<see cref="GracefulShutdown"/>): each keep-alive connection is closed right after its next
/// answer, at a moment the client knows of, and the client opens a new one (to another replica, once the endpoint is
/// gone). HTTP/2 connections get GOAWAY after their next answer. The drain ends as soon as no connection is open, and at
/// the latest after <c>Shutdown:DrainSeconds</c>; connections still idle then are closed by Kestrel's stop.
/// </summary>
public sealed partial class ConnectionDrain(TimeSpan drainTime, TimeProvider time, Readiness readiness, ILogger<ConnectionDrain> logger) : IHostedLifecycleService
{
    private readonly TaskCompletionSource _allClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _open;
    private volatile bool _draining;

    /// <summary>Open connections now (TCP, before TLS).</summary>
    public int Open => Volatile.Read(ref _open);

    public bool IsDraining => _draining;

    /// <summary>Connection middleware that counts open connections; added to every endpoint.</summary>
    public ConnectionDelegate Track(ConnectionDelegate next) => async connection =>
    {
        Interlocked.Increment(ref _open);
        try
        {
            await next(connection);
        }
        finally
        {
            if (Interlocked.Decrement(ref _open) == 0 && _draining)
            {
                _allClosed.TrySetResult();
            }
        }
    };

    /// <summary>Runs before the host raises ApplicationStopping and stops Kestrel: /readyz fails from here on.</summary>
    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        _draining = true;
        readiness.Stopping();
        var open = Open;
        if (open == 0)
        {
            return;
        }

        LogDraining(logger, open, drainTime.TotalSeconds);
        try
        {
            await _allClosed.Task.WaitAsync(drainTime, time, cancellationToken);
            LogDrained(logger);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
            LogDrainEnded(logger, Open);
        }
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 40, Level = LogLevel.Information, Message = "Draining {Open} connections for at most {DrainSeconds} s: each is closed after its next answer")]
    private static partial void LogDraining(ILogger logger, int open, double drainSeconds);

    [LoggerMessage(EventId = 41, Level = LogLevel.Information, Message = "Drained: no connection is open")]
    private static partial void LogDrained(ILogger logger);

    [LoggerMessage(EventId = 42, Level = LogLevel.Information, Message = "Drain time over with {Open} connections open; they are closed now")]
    private static partial void LogDrainEnded(ILogger logger, int open);
}

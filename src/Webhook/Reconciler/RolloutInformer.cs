using System.Diagnostics;

namespace DeadlineGuard.Reconciler;

/// <summary>
/// Lists the Rollouts of one scope page by page, then watches from the list's resourceVersion with bookmarks; resumes a
/// watch that ends; relists on 410 Gone (an expired watch or continue token); restarts a watch that goes silent; backs
/// off on errors (the dotnet/yarp ResourceInformer shape). Pages and events are decoded from the response streams by
/// <see cref="RolloutListReader"/> and <see cref="RolloutWatchReader"/>: a page is never held whole, and only snapshots
/// reach the loop.
/// </summary>
public sealed partial class RolloutInformer(
    RolloutApi client,
    string? @namespace,
    RolloutDecoder decoder,
    ReconcilerOptions options,
    TimeProvider time,
    ReconcilerMetrics metrics,
    ILogger logger,
    int pageSize = RolloutInformer.DefaultPageSize) : IRolloutInformer
{
    /// <summary>client-go's pager default (tools/pager: defaultPageSize = 500).</summary>
    public const int DefaultPageSize = 500;

    private readonly Lock _gate = new();
    private RolloutDecoder _decoder = decoder;
    private CancellationTokenSource? _current;
    private int _relist;

    private string Scope => @namespace ?? "all namespaces";

    public void Relist(RolloutDecoder decoder)
    {
        lock (_gate)
        {
            _decoder = decoder;
            _relist = 1;
            _current?.Cancel();
        }
    }

    public async Task RunAsync(Func<RolloutChange, ValueTask> onChange, CancellationToken cancellationToken)
    {
        string? resourceVersion = null;
        var failures = 0;
        var emptyCloses = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            using var operation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            RolloutDecoder current;
            lock (_gate)
            {
                _current = operation;
                current = _decoder;
                if (_relist == 1)
                {
                    _relist = 0;
                    resourceVersion = null;
                }
            }

            try
            {
                resourceVersion ??= await ListAsync(current, onChange, operation.Token);
                var (seen, events) = await WatchAsync(current, resourceVersion, onChange, operation.Token);
                resourceVersion = seen;
                failures = 0;

                // A watch ended by the server with nothing to report is normal once per timeout; a proxy cutting every
                // stream would make it a loop of requests, so repeated empty ones back off.
                emptyCloses = events == 0 ? emptyCloses + 1 : 0;
                if (emptyCloses > 3)
                {
                    await Task.Delay(Backoff.Delay(emptyCloses - 3, TimeSpan.FromSeconds(options.MaxBackoffSeconds)), time, cancellationToken);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception) when (RelistRequested())
            {
                LogRelist(logger, Scope);
            }
            catch (ApiStatusException e) when (e.IsGone)
            {
                LogExpired(logger, Scope, e.Message);
                metrics.WatchRestarts.WithLabels("expired").Inc();
                resourceVersion = null;
            }
#pragma warning disable CA1031 // any API or transport failure is retried with backoff; the loop must survive it
            catch (Exception e)
#pragma warning restore CA1031
            {
                failures++;
                metrics.WatchRestarts.WithLabels("error").Inc();
                var delay = Backoff.Delay(failures, TimeSpan.FromSeconds(options.MaxBackoffSeconds));
                LogFailure(logger, e, Scope, delay.TotalSeconds);
                await Task.Delay(delay, time, cancellationToken);
            }
            finally
            {
                lock (_gate)
                {
                    _current = null;
                }
            }
        }
    }

    private bool RelistRequested()
    {
        lock (_gate)
        {
            return _relist == 1;
        }
    }

    /// <summary>Lists page by page, each page handed over as it is read; returns the list's resourceVersion.</summary>
    private async Task<string> ListAsync(RolloutDecoder current, Func<RolloutChange, ValueTask> onChange, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        string? continueToken = null;
        var resourceVersion = string.Empty;
        var first = true;
        int count = 0, pages = 0;
        long bytes = 0;
        do
        {
            using var response = await client.ListRolloutsAsync(@namespace, pageSize, continueToken, cancellationToken);
            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            var page = new RolloutListReader(current);
            await page.ReadAsync(body, cancellationToken);
            if (page.Skipped > 0)
            {
                LogSkipped(logger, page.Skipped, Scope, page.FirstProblem ?? string.Empty);
            }

            continueToken = page.Continue;
            resourceVersion = page.ResourceVersion ?? string.Empty;
            count += page.Items.Count;
            bytes += page.Bytes;
            pages++;
            await onChange(new RolloutChange.Listed(@namespace, page.Items, first, continueToken is null, page.RemainingItemCount));
            first = false;
        }
        while (continueToken is not null);

        LogListed(logger, count, Scope, resourceVersion, pages, bytes / 1048576.0, Stopwatch.GetElapsedTime(started).TotalMilliseconds, Environment.CpuUsage.TotalTime.TotalMilliseconds);
        return resourceVersion;
    }

    /// <summary>Watches until the stream ends; returns the last resourceVersion seen and how many events came. Throws on 410 and on failure.</summary>
    private async Task<(string ResourceVersion, int Events)> WatchAsync(
        RolloutDecoder current, string resourceVersion, Func<RolloutChange, ValueTask> onChange, CancellationToken cancellationToken)
    {
        // The watchdog: a stream that says nothing (not even a bookmark) for this long is restarted.
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var idleTimeout = TimeSpan.FromSeconds(options.WatchIdleTimeoutSeconds);
        using var watchdog = time.CreateTimer(_ => idle.Cancel(), null, idleTimeout, Timeout.InfiniteTimeSpan);
        var serverTimeout = (int)(idleTimeout.TotalSeconds * 0.9);
        var events = 0;
        try
        {
            using var response = await client.WatchRolloutsAsync(@namespace, resourceVersion, serverTimeout, idle.Token);
            await using var body = await response.Content.ReadAsStreamAsync(idle.Token);
            await new RolloutWatchReader(current).ReadAsync(
                body,
                async e =>
                {
                    watchdog.Change(idleTimeout, Timeout.InfiniteTimeSpan);
                    events++;
                    switch (e.Kind)
                    {
                        case WatchEventKind.Added or WatchEventKind.Modified:
                            await onChange(new RolloutChange.Upserted(e.Rollout!));
                            break;
                        case WatchEventKind.Deleted:
                            await onChange(new RolloutChange.Deleted(e.Rollout!));
                            break;
                        case WatchEventKind.Error:
                            throw e.Error!;
                        case WatchEventKind.Unreadable:
                            LogUnreadableEvent(logger, Scope, e.Problem ?? string.Empty);
                            break;
                    }

                    if (e.ResourceVersion is { Length: > 0 } seen)
                    {
                        resourceVersion = seen;
                    }
                },
                idle.Token);
        }
        catch (OperationCanceledException) when (idle.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            LogWatchdog(logger, Scope, options.WatchIdleTimeoutSeconds);
            metrics.WatchRestarts.WithLabels("idle").Inc();
            return (resourceVersion, -1);
        }

        metrics.WatchRestarts.WithLabels("closed").Inc();
        return (resourceVersion, events);
    }

    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Listed {Count} Rollouts in {Scope} at resourceVersion {ResourceVersion}: {Pages} pages, {MiB:0.0} MiB in {ElapsedMs:0} ms; process CPU so far {ProcessCpuMs:0} ms")]
    private static partial void LogListed(ILogger logger, int count, string scope, string resourceVersion, int pages, double miB, double elapsedMs, double processCpuMs);

    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "Watch of {Scope} expired (410 Gone: {Detail}); listing again")]
    private static partial void LogExpired(ILogger logger, string scope, string detail);

    [LoggerMessage(EventId = 102, Level = LogLevel.Warning, Message = "Watch of {Scope} failed; retrying in {DelaySeconds:0.0} s")]
    private static partial void LogFailure(ILogger logger, Exception exception, string scope, double delaySeconds);

    [LoggerMessage(EventId = 103, Level = LogLevel.Warning, Message = "Watch of {Scope} was silent for {Seconds} s; restarting it")]
    private static partial void LogWatchdog(ILogger logger, string scope, int seconds);

    [LoggerMessage(EventId = 104, Level = LogLevel.Information, Message = "Listing {Scope} again: the policy's exemption annotation changed")]
    private static partial void LogRelist(ILogger logger, string scope);

    [LoggerMessage(EventId = 105, Level = LogLevel.Warning, Message = "Skipped {Count} unreadable items of a list of {Scope}; the first: {Problem}")]
    private static partial void LogSkipped(ILogger logger, int count, string scope, string problem);

    [LoggerMessage(EventId = 106, Level = LogLevel.Warning, Message = "Skipped a watch event of {Scope}: {Problem}")]
    private static partial void LogUnreadableEvent(ILogger logger, string scope, string problem);
}

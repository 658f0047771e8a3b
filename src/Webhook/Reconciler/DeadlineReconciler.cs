using System.Diagnostics;
using System.Threading.Channels;
using DeadlineGuard.Policy;
using k8s;

namespace DeadlineGuard.Reconciler;

/// <summary>
/// The loop around the judge: keeps the watched Rollouts, judges each one when it changes, schedules a
/// wake-up for the moment its deadline falls due (no polling), and acts at most once per revision.
/// All state is touched by one loop, so it needs no locks.
/// </summary>
public sealed partial class DeadlineReconciler(
    IKubernetes client,
    PolicyStore policies,
    ReconcilerOptions options,
    DeadlineActions actions,
    TimeProvider time,
    ReconcilerMetrics metrics,
    ILogger<DeadlineReconciler> logger)
{
    /// <summary>The longest single wait for a deadline; a later one is waited for in several.</summary>
    private static readonly TimeSpan LongestWait = TimeSpan.FromDays(1);

    private readonly Dictionary<string, RolloutSnapshot> _rollouts = new(StringComparer.Ordinal);
    private readonly PriorityQueue<string, DateTimeOffset> _schedule = new();
    private readonly Dictionary<string, DateTimeOffset> _dueAt = new(StringComparer.Ordinal);
    private readonly HashSet<string> _acted = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _failures = new(StringComparer.Ordinal);

    /// <summary>Actions taken whose Event failed, by Rollout: at the retry the Event is sent, not the action taken again.</summary>
    private readonly Dictionary<string, Unreported> _unreported = new(StringComparer.Ordinal);

    private readonly Channel<RolloutChange> _changes = Channel.CreateBounded<RolloutChange>(new BoundedChannelOptions(4096) { SingleReader = true });

    /// <summary>Completes when every scope's first list has been judged.</summary>
    public Task Synced => _synced.Task;

    private readonly TaskCompletionSource _synced = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var scopes = options.Namespaces.Length == 0 ? new string?[] { null } : options.Namespaces.Select(n => (string?)n).ToArray();
        var pendingScopes = new HashSet<string>(scopes.Select(ScopeKey), StringComparer.Ordinal);
        var informers = scopes
            .Select(ns => new RolloutInformer(client, ns, options, time, metrics, logger).RunAsync(c => _changes.Writer.WriteAsync(c, stop.Token), stop.Token))
            .ToList();
        policies.Changed += OnPolicyChanged;
        try
        {
            await LoopAsync(pendingScopes, stop.Token);
        }
        finally
        {
            policies.Changed -= OnPolicyChanged;
            await stop.CancelAsync();
            await Task.WhenAll(informers.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default)));
        }
    }

    // A new policy can change exemptions: judge everything again.
    private void OnPolicyChanged(DeadlinePolicy policy) => _changes.Writer.TryWrite(new RolloutChange.PolicyChanged());

    private static string ScopeKey(string? @namespace) => @namespace ?? string.Empty;

    private async Task LoopAsync(HashSet<string> pendingScopes, CancellationToken cancellationToken)
    {
        var reader = _changes.Reader;
        while (!cancellationToken.IsCancellationRequested)
        {
            var delay = NextDelay();
            if (!reader.TryPeek(out _) && delay != TimeSpan.Zero)
            {
                using var wake = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                var changed = reader.WaitToReadAsync(wake.Token).AsTask();
                var tasks = delay == Timeout.InfiniteTimeSpan ? [changed] : new[] { changed, Task.Delay(delay, time, wake.Token) };
                await Task.WhenAny(tasks);
                await wake.CancelAsync();
                cancellationToken.ThrowIfCancellationRequested();
            }

            while (reader.TryRead(out var change))
            {
                await ApplyAsync(change, pendingScopes, cancellationToken);
            }

            await RunDueAsync(cancellationToken);
        }
    }

    private async Task ApplyAsync(RolloutChange change, HashSet<string> pendingScopes, CancellationToken cancellationToken)
    {
        switch (change)
        {
            case RolloutChange.PolicyChanged:
                foreach (var key in _rollouts.Keys.ToList())
                {
                    await JudgeAsync(key, cancellationToken);
                }

                break;
            case RolloutChange.Listed listed:
                var started = Stopwatch.GetTimestamp();
                var seen = new HashSet<string>(StringComparer.Ordinal);
                foreach (var snapshot in listed.Items)
                {
                    _rollouts[snapshot.Key] = snapshot;
                    seen.Add(snapshot.Key);
                }

                foreach (var gone in _rollouts.Keys.Where(k => InScope(k, listed.Namespace) && !seen.Contains(k)).ToList())
                {
                    Forget(gone);
                }

                foreach (var key in seen)
                {
                    await JudgeAsync(key, cancellationToken);
                }

                metrics.Rollouts.Set(_rollouts.Count);
                if (pendingScopes.Remove(ScopeKey(listed.Namespace)) && pendingScopes.Count == 0)
                {
                    metrics.Synced.Set(1);
                    LogSynced(logger, _rollouts.Count, _dueAt.Count, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                    _synced.TrySetResult();
                }

                break;
            case RolloutChange.Upserted upserted:
                var rollout = RolloutSnapshot.From(upserted.Rollout);
                _rollouts[rollout.Key] = rollout;
                metrics.Rollouts.Set(_rollouts.Count);
                await JudgeAsync(rollout.Key, cancellationToken);
                break;
            case RolloutChange.Deleted deleted:
                Forget($"{deleted.Namespace}/{deleted.Name}");
                metrics.Rollouts.Set(_rollouts.Count);
                break;
        }
    }

    private static bool InScope(string key, string? @namespace) =>
        @namespace is null || key.StartsWith(@namespace + "/", StringComparison.Ordinal);

    private void Forget(string key)
    {
        _rollouts.Remove(key);
        _dueAt.Remove(key);
        _failures.Remove(key);
        _unreported.Remove(key);
        _acted.RemoveWhere(k => k.StartsWith(key + "|", StringComparison.Ordinal));
        metrics.PendingDeadlines.Set(_dueAt.Count);
    }

    private async Task JudgeAsync(string key, CancellationToken cancellationToken, bool due = false)
    {
        // An abort whose Event failed changed the Rollout, so judging it again would drop the Event: keep its retry
        // scheduled through changes, and at the retry send the Event before judging.
        if (_unreported.TryGetValue(key, out var unreported) && (!due || !await ReportAsync(unreported, cancellationToken)))
        {
            return;
        }

        if (!_rollouts.TryGetValue(key, out var rollout))
        {
            return;
        }

        var verdict = DeadlineJudge.Judge(rollout, policies.Current, time.GetUtcNow(), options.GraceSeconds);
        metrics.Verdicts.WithLabels(verdict.Label).Inc();
        switch (verdict.Kind)
        {
            case VerdictKind.Waiting:
                Schedule(key, verdict.DueAt!.Value);
                break;
            case VerdictKind.Exceeded:
                _dueAt.Remove(key);
                await ActOnceAsync(rollout, verdict, cancellationToken);
                break;
            default:
                _dueAt.Remove(key);
                break;
        }

        metrics.PendingDeadlines.Set(_dueAt.Count);
    }

    private async Task ActOnceAsync(RolloutSnapshot rollout, DeadlineVerdict verdict, CancellationToken cancellationToken)
    {
        var actedKey = $"{rollout.Key}|{verdict.RevisionKey}";
        if (_acted.Contains(actedKey))
        {
            return;
        }

        ActionTaken? applied = null;
        try
        {
            var taken = await actions.ApplyAsync(rollout, verdict, cancellationToken);
            applied = taken;
            if (taken != ActionTaken.Gone)
            {
                await actions.ReportAsync(rollout, verdict, taken, cancellationToken);
            }

            Succeeded(rollout.Key, actedKey, taken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
#pragma warning disable CA1031 // a failed action is retried with backoff; the loop must go on for the others
        catch (Exception e)
#pragma warning restore CA1031
        {
            if (applied is { } taken)
            {
                _unreported[rollout.Key] = new Unreported(rollout, verdict, taken);
            }

            Failed(rollout.Key, verdict, e);
        }
    }

    /// <summary>Sends the Event of an action already taken; false (and a retry scheduled) when it fails again.</summary>
    private async Task<bool> ReportAsync(Unreported unreported, CancellationToken cancellationToken)
    {
        var (rollout, verdict, taken) = unreported;
        try
        {
            await actions.ReportAsync(rollout, verdict, taken, cancellationToken);
            _unreported.Remove(rollout.Key);
            Succeeded(rollout.Key, $"{rollout.Key}|{verdict.RevisionKey}", taken);
            return true;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
#pragma warning disable CA1031 // as above
        catch (Exception e)
#pragma warning restore CA1031
        {
            Failed(rollout.Key, verdict, e);
            return false;
        }
    }

    private void Succeeded(string key, string actedKey, ActionTaken taken)
    {
        metrics.Actions.WithLabels(taken.ToString(), "success").Inc();
        _acted.Add(actedKey);
        _failures.Remove(key);
    }

    private void Failed(string key, DeadlineVerdict verdict, Exception e)
    {
        var failures = _failures[key] = _failures.GetValueOrDefault(key) + 1;
        var retry = Backoff.Delay(failures, TimeSpan.FromSeconds(options.MaxBackoffSeconds));
        var action = !verdict.Abort ? ActionTaken.Reported : options.DryRun ? ActionTaken.WouldAbort : ActionTaken.Aborted;
        metrics.Actions.WithLabels(action.ToString(), "failure").Inc();
        LogActionFailed(logger, e, key, retry.TotalSeconds);
        Schedule(key, time.GetUtcNow() + retry);
    }

    private void Schedule(string key, DateTimeOffset due)
    {
        _dueAt[key] = due;
        _schedule.Enqueue(key, due);
    }

    /// <summary>Zero when something is due, infinite when nothing is scheduled.</summary>
    private TimeSpan NextDelay()
    {
        while (_schedule.TryPeek(out var key, out var due))
        {
            if (_dueAt.TryGetValue(key, out var current) && current == due)
            {
                // Task.Delay counts whole milliseconds and drops the rest: round up, or a due time with a fraction of a
                // millisecond (a jittered retry) wakes the loop just before it, and the loop spins on zero-length delays
                // until the clock gets there (on a clock that only moves when told, forever). It also refuses waits
                // beyond about 49.7 days, which a skewed or edited progress clock can ask for: wake up at most daily.
                var wait = due - time.GetUtcNow();
                return wait <= TimeSpan.Zero ? TimeSpan.Zero : TimeSpan.FromMilliseconds(Math.Ceiling(Math.Min(wait.TotalMilliseconds, LongestWait.TotalMilliseconds)));
            }

            _schedule.Dequeue(); // superseded or forgotten
        }

        return Timeout.InfiniteTimeSpan;
    }

    private async Task RunDueAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        while (_schedule.TryPeek(out var key, out var due) && due <= now)
        {
            _schedule.Dequeue();
            if (_dueAt.TryGetValue(key, out var current) && current == due)
            {
                _dueAt.Remove(key);
                await JudgeAsync(key, cancellationToken, due: true);
            }
        }
    }

    private sealed record Unreported(RolloutSnapshot Rollout, DeadlineVerdict Verdict, ActionTaken Taken);

    [LoggerMessage(EventId = 120, Level = LogLevel.Information, Message = "Judged all {Count} Rollouts after the first list in {ElapsedMs:0} ms; {Pending} deadlines scheduled")]
    private static partial void LogSynced(ILogger logger, int count, int pending, double elapsedMs);

    [LoggerMessage(EventId = 121, Level = LogLevel.Error, Message = "Acting on Rollout {Rollout} failed; retrying in {DelaySeconds:0.0} s")]
    private static partial void LogActionFailed(ILogger logger, Exception exception, string rollout, double delaySeconds);
}

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
    private readonly Dictionary<string, RolloutSnapshot> _rollouts = new(StringComparer.Ordinal);
    private readonly PriorityQueue<string, DateTimeOffset> _schedule = new();
    private readonly Dictionary<string, DateTimeOffset> _dueAt = new(StringComparer.Ordinal);
    private readonly HashSet<string> _acted = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _failures = new(StringComparer.Ordinal);
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
        _acted.RemoveWhere(k => k.StartsWith(key + "|", StringComparison.Ordinal));
        metrics.PendingDeadlines.Set(_dueAt.Count);
    }

    private async Task JudgeAsync(string key, CancellationToken cancellationToken)
    {
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

        try
        {
            var taken = await actions.ActAsync(rollout, verdict, cancellationToken);
            metrics.Actions.WithLabels(taken.ToString(), "success").Inc();
            _acted.Add(actedKey);
            _failures.Remove(rollout.Key);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
#pragma warning disable CA1031 // a failed action is retried with backoff; the loop must go on for the others
        catch (Exception e)
#pragma warning restore CA1031
        {
            var failures = _failures[rollout.Key] = _failures.GetValueOrDefault(rollout.Key) + 1;
            var retry = Backoff.Delay(failures, TimeSpan.FromSeconds(options.MaxBackoffSeconds));
            metrics.Actions.WithLabels(verdict.Abort && !options.DryRun ? "Aborted" : "Reported", "failure").Inc();
            LogActionFailed(logger, e, rollout.Key, retry.TotalSeconds);
            Schedule(rollout.Key, time.GetUtcNow() + retry);
        }
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
                var wait = due - time.GetUtcNow();
                return wait <= TimeSpan.Zero ? TimeSpan.Zero : wait;
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
                await JudgeAsync(key, cancellationToken);
            }
        }
    }

    [LoggerMessage(EventId = 120, Level = LogLevel.Information, Message = "Judged all {Count} Rollouts after the first list in {ElapsedMs:0} ms; {Pending} deadlines scheduled")]
    private static partial void LogSynced(ILogger logger, int count, int pending, double elapsedMs);

    [LoggerMessage(EventId = 121, Level = LogLevel.Error, Message = "Acting on Rollout {Rollout} failed; retrying in {DelaySeconds:0.0} s")]
    private static partial void LogActionFailed(ILogger logger, Exception exception, string rollout, double delaySeconds);
}

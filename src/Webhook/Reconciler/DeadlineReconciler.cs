using System.Diagnostics;
using System.Runtime;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using DeadlineGuard.Policy;

namespace DeadlineGuard.Reconciler;

/// <summary>
/// The loop around the judge: keeps one <see cref="RolloutRecord"/> per watched Rollout, judges each one when it
/// changes, schedules a wake-up for the moment its deadline or pause limit falls due (no polling), and acts at most
/// once per revision (and once per pause). Lists, relists and watch events all arrive as <see cref="RolloutChange"/>s
/// carrying snapshots, through one channel. All state is touched by this one loop, so it needs no locks.
/// </summary>
public sealed partial class DeadlineReconciler(
    IRolloutInformerFactory informers,
    PolicyStore policies,
    ReconcilerOptions options,
    DeadlineActions actions,
    TimeProvider time,
    ReconcilerMetrics metrics,
    ILogger<DeadlineReconciler> logger,
    IVerdictObserver? observer = null)
{
    /// <summary>A first list this large is followed by one compacting collection (<see cref="CompactOnce"/>).</summary>
    private const int CompactAfterListOf = 1000;

    /// <summary>The longest single wait for a deadline; a later one is waited for in several.</summary>
    private static readonly TimeSpan LongestWait = TimeSpan.FromDays(1);

    private readonly Dictionary<RolloutKey, RolloutRecord> _rollouts = [];
    private readonly PriorityQueue<RolloutRecord, DateTimeOffset> _schedule = new();
    private readonly Dictionary<string, int> _listEpochs = new(StringComparer.Ordinal);
    private readonly Channel<RolloutChange> _changes = Channel.CreateBounded<RolloutChange>(new BoundedChannelOptions(4096) { SingleReader = true });
    private readonly TaskCompletionSource _synced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private List<IRolloutInformer> _informers = [];
    private RolloutDecoder? _decoder;
    private int _scheduled;

    /// <summary>Completes when every scope's first list has been judged.</summary>
    public Task Synced => _synced.Task;

    /// <summary>The strings shared by all snapshots (one pool per reconciler).</summary>
    public StringPool Strings { get; } = new();

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var scopes = options.Namespaces.Length == 0 ? new string?[] { null } : options.Namespaces.Select(n => (string?)n).ToArray();
        var pendingScopes = new HashSet<string>(scopes.Select(ScopeKey), StringComparer.Ordinal);
        observer?.Started();
        _decoder = new RolloutDecoder(
            Strings, policies.Current.Exemptions.Annotation, keepSelector: options.RepairStaleScaleDownDeadline, pitfalls: observer?.NeedsPitfalls == true ? RolloutPitfalls.Find : null);
        _informers = [.. scopes.Select(ns => informers.Create(ns, _decoder))];
        var running = _informers.Select(i => i.RunAsync(c => _changes.Writer.WriteAsync(c, stop.Token), stop.Token)).ToList();
        policies.Changed += OnPolicyChanged;
        try
        {
            await LoopAsync(pendingScopes, stop.Token);
        }
        finally
        {
            policies.Changed -= OnPolicyChanged;
            await stop.CancelAsync();
            await Task.WhenAll(running.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default)));
        }
    }

    // A new policy can change exemptions (and the annotation that carries them): judge everything again.
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
                var key = policies.Current.Exemptions.Annotation;
                if (_decoder is { } decoder && decoder.ExemptionKey != key)
                {
                    // Snapshots keep the value of the configured key only: read the new one from the API server.
                    _decoder = decoder.WithExemptionKey(key);
                    _informers.ForEach(i => i.Relist(_decoder));
                }

                await JudgeAllAsync(static _ => true, cancellationToken);
                break;
            case RolloutChange.Listed listed:
                await ListedAsync(listed, pendingScopes, cancellationToken);
                break;
            case RolloutChange.Upserted upserted:
                var upsertedRecord = Upsert(upserted.Rollout);
                metrics.Rollouts.Set(_rollouts.Count);
                await JudgeAsync(upsertedRecord, cancellationToken);
                break;
            case RolloutChange.Deleted deleted:
                Forget(deleted.Rollout.Key);
                metrics.Rollouts.Set(_rollouts.Count);
                break;
        }
    }

    private async Task ListedAsync(RolloutChange.Listed listed, HashSet<string> pendingScopes, CancellationToken cancellationToken)
    {
        var scope = ScopeKey(listed.Scope);
        if (listed.First)
        {
            _listEpochs[scope] = _listEpochs.GetValueOrDefault(scope) + 1;
        }

        var epoch = _listEpochs.GetValueOrDefault(scope);
        if (listed.First && listed.Remaining is { } remaining)
        {
            // Sized once from what the API server announces, rather than doubled (and copied) on the way to 100,000.
            _rollouts.EnsureCapacity((int)Math.Min(int.MaxValue / 2, _rollouts.Count + listed.Items.Count + remaining));
        }

        foreach (var snapshot in listed.Items)
        {
            Upsert(snapshot).ListEpoch = epoch;
        }

        if (!listed.Last)
        {
            metrics.Rollouts.Set(_rollouts.Count);
            return;
        }

        // The list is complete: what it did not name is gone; everything it named is judged.
        foreach (var gone in _rollouts.Values.Where(r => InScope(r, listed.Scope) && r.ListEpoch != epoch).Select(r => r.Snapshot.Key).ToList())
        {
            Forget(gone);
        }

        var started = Stopwatch.GetTimestamp();
        var cpuBefore = ThreadCpu.Now();
        var judged = await JudgeAllAsync(r => InScope(r, listed.Scope), cancellationToken);
        var judgingCpu = ThreadCpu.Now() - cpuBefore;

        metrics.Rollouts.Set(_rollouts.Count);
        if (pendingScopes.Remove(scope) && pendingScopes.Count == 0)
        {
            metrics.Synced.Set(1);
            LogSynced(logger, judged, _scheduled, Stopwatch.GetElapsedTime(started).TotalMilliseconds, judgingCpu.TotalMilliseconds, Strings.Count);
            if (_rollouts.Count >= CompactAfterListOf)
            {
                CompactOnce();
            }

            _synced.TrySetResult();
            observer?.Synced();
        }
    }

    /// <summary>
    /// The first list leaves the heap full of holes between the snapshots it kept (every page's bytes and buffers came
    /// and went between them): one compacting collection, large objects included, once, so that the steady state starts
    /// at what the cache needs rather than at the first list's high-water mark.
    /// </summary>
    private static void CompactOnce()
    {
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
    }

    private RolloutRecord Upsert(RolloutSnapshot snapshot)
    {
        if (_rollouts.TryGetValue(snapshot.Key, out var record))
        {
            record.Snapshot = snapshot;
            return record;
        }

        record = new RolloutRecord(snapshot);
        _rollouts[snapshot.Key] = record;
        return record;
    }

    private static bool InScope(RolloutRecord record, string? @namespace) =>
        @namespace is null || record.Snapshot.Namespace == @namespace;

    private void Forget(RolloutKey key)
    {
        if (_rollouts.Remove(key, out var record))
        {
            record.Forgotten = true;
            observer?.Forgotten(record.Snapshot);
            SetWake(record, null);
            metrics.PendingDeadlines.Set(_scheduled);
        }
    }

    private async Task JudgeAsync(RolloutRecord record, CancellationToken cancellationToken, bool due = false)
    {
        // An abort whose Event failed changed the Rollout, so judging it again would drop the Event: keep its retry
        // scheduled through changes, and at the retry send the Event before judging.
        if (record.Unreported is { } unreported && (!due || !await ReportAsync(record, unreported, cancellationToken)))
        {
            return;
        }

        if (Assess(record) is { } exceeded)
        {
            await ActOnceAsync(record, exceeded, cancellationToken);
        }

        metrics.PendingDeadlines.Set(_scheduled);
    }

    /// <summary>
    /// Judges every Rollout <paramref name="include"/> selects, then acts on those exceeded: the judging itself is a
    /// synchronous pass (a fleet of idle Rollouts costs no awaits); only an action waits for the API server.
    /// </summary>
    private async Task<int> JudgeAllAsync(Func<RolloutRecord, bool> include, CancellationToken cancellationToken)
    {
        var (judged, exceeded) = AssessAll(include);
        foreach (var (record, verdict) in exceeded)
        {
            await ActOnceAsync(record, verdict, cancellationToken);
        }

        metrics.PendingDeadlines.Set(_scheduled);
        return judged;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private (int Judged, List<(RolloutRecord, DeadlineVerdict)> Exceeded) AssessAll(Func<RolloutRecord, bool> include)
    {
        var judged = 0;
        var exceeded = new List<(RolloutRecord, DeadlineVerdict)>();
        foreach (var record in _rollouts.Values)
        {
            if (!include(record) || record.Unreported is not null)
            {
                continue; // a Rollout with an Event to send waits for its retry, as in JudgeAsync
            }

            judged++;
            if (Assess(record) is { } verdict)
            {
                exceeded.Add((record, verdict));
            }
        }

        return (judged, exceeded);
    }

    /// <summary>Judges one Rollout and schedules its wake-up; the verdict when it is to be acted on.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private DeadlineVerdict? Assess(RolloutRecord record)
    {
        var verdict = DeadlineJudge.Judge(record.Snapshot, policies.Current, time.GetUtcNow(), options.GraceSeconds);
        observer?.Judged(record.Snapshot, verdict);
        metrics.Count(verdict.Kind, verdict.Limit);
        if (verdict.Problem is { } problem && record.NoteProblem(problem))
        {
            metrics.CountUnreadable(problem);
            LogUnreadablePause(logger, record.Snapshot.Key.ToString(), verdict.Reason);
        }

        switch (verdict.Kind)
        {
            case VerdictKind.Waiting:
                Schedule(record, verdict.DueAt!.Value);
                return null;
            case VerdictKind.Exceeded:
                SetWake(record, null);
                return verdict;
            default:
                SetWake(record, null);
                return null;
        }
    }

    private async Task ActOnceAsync(RolloutRecord record, DeadlineVerdict verdict, CancellationToken cancellationToken)
    {
        if (record.HasActed(verdict.RevisionKey))
        {
            return;
        }

        var rollout = record.Snapshot;
        ActionTaken? applied = null;
        try
        {
            var taken = await actions.ApplyAsync(rollout, verdict, cancellationToken);
            applied = taken;
            if (taken != ActionTaken.Gone)
            {
                await actions.ReportAsync(rollout, verdict, taken, cancellationToken);
            }

            Succeeded(record, verdict, taken);
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
                record.Unreported = new PendingReport(rollout, verdict, taken);
            }

            Failed(record, verdict, e);
        }
    }

    /// <summary>Sends the Event of an action already taken; false (and a retry scheduled) when it fails again.</summary>
    private async Task<bool> ReportAsync(RolloutRecord record, PendingReport unreported, CancellationToken cancellationToken)
    {
        try
        {
            await actions.ReportAsync(unreported.Rollout, unreported.Verdict, unreported.Taken, cancellationToken);
            record.Unreported = null;
            Succeeded(record, unreported.Verdict, unreported.Taken);
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
            Failed(record, unreported.Verdict, e);
            return false;
        }
    }

    private void Succeeded(RolloutRecord record, DeadlineVerdict verdict, ActionTaken taken)
    {
        metrics.CountAction(taken, "success", verdict.Limit);
        record.MarkActed(verdict.RevisionKey);
        record.Failures = 0;
    }

    private void Failed(RolloutRecord record, DeadlineVerdict verdict, Exception e)
    {
        var retry = Backoff.Delay(++record.Failures, TimeSpan.FromSeconds(options.MaxBackoffSeconds));
        var action = !verdict.Abort ? ActionTaken.Reported : options.DryRun ? ActionTaken.WouldAbort : ActionTaken.Aborted;
        metrics.CountAction(action, "failure", verdict.Limit);
        LogActionFailed(logger, e, record.Snapshot.Key.ToString(), retry.TotalSeconds);
        Schedule(record, time.GetUtcNow() + retry);
    }

    private void Schedule(RolloutRecord record, DateTimeOffset due)
    {
        if (record.WakeAt == due)
        {
            return; // already queued for exactly then
        }

        SetWake(record, due);
        _schedule.Enqueue(record, due);
        if (_schedule.Count > (2 * _scheduled) + 1024)
        {
            // Superseded entries are dropped when they come up; a Rollout rescheduled often could pile them up before.
            _schedule.Clear();
            _schedule.EnqueueRange(_rollouts.Values.Where(r => r.WakeAt is not null).Select(r => (r, r.WakeAt!.Value)));
        }
    }

    private void SetWake(RolloutRecord record, DateTimeOffset? at)
    {
        _scheduled += (at is null ? 0 : 1) - (record.WakeAt is null ? 0 : 1);
        record.WakeAt = at;
    }

    /// <summary>Zero when something is due, infinite when nothing is scheduled.</summary>
    private TimeSpan NextDelay()
    {
        while (_schedule.TryPeek(out var record, out var due))
        {
            if (!record.Forgotten && record.WakeAt == due)
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
        while (_schedule.TryPeek(out var record, out var due) && due <= now)
        {
            _schedule.Dequeue();
            if (!record.Forgotten && record.WakeAt == due)
            {
                SetWake(record, null);
                await JudgeAsync(record, cancellationToken, due: true);
            }
        }
    }

    [LoggerMessage(EventId = 120, Level = LogLevel.Information, Message = "Judged all {Count} Rollouts after the first list in {ElapsedMs:0.0} ms ({CpuMs:0.0} ms of CPU); {Pending} deadlines scheduled; {Strings} shared strings")]
    private static partial void LogSynced(ILogger logger, int count, int pending, double elapsedMs, double cpuMs, int strings);

    [LoggerMessage(EventId = 121, Level = LogLevel.Error, Message = "Acting on Rollout {Rollout} failed; retrying in {DelaySeconds:0.0} s")]
    private static partial void LogActionFailed(ILogger logger, Exception exception, string rollout, double delaySeconds);

    [LoggerMessage(EventId = 122, Level = LogLevel.Warning, Message = "Rollout {Rollout} is left alone by the pause limit: {Reason}")]
    private static partial void LogUnreadablePause(ILogger logger, string rollout, string reason);
}

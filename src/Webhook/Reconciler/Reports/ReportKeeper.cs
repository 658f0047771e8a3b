using System.Net;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using DeadlineGuard.Leadership;
using DeadlineGuard.Policy;

namespace DeadlineGuard.Reconciler.Reports;

/// <summary>
/// Keeps one policy report per namespace with Rollouts, on the leader (docs/reports.md). It hears every verdict of the
/// reconciler's loop (<see cref="IVerdictObserver"/>: cheap, under a lock, nothing but bookkeeping), and in its own
/// loop (<see cref="ILeaderWork"/>) writes the namespaces whose Rollouts changed: at most once per namespace every
/// <see cref="ReportOptions.IntervalSeconds"/>, and that long after the first change, so a burst becomes one write. A
/// report is written only when what it says differs from what is there (read at the start, then what each write
/// answered), removed when its namespace has no Rollouts left, and each write is one whole object. Without the report
/// CRD it logs one line and looks again every <see cref="ReportOptions.RecheckMinutes"/>. A refusal or a failure is one
/// log line and a retry with backoff; nothing here stops the reconciler.
/// </summary>
public sealed partial class ReportKeeper(
    ReportApi api,
    PolicyStore policies,
    ReportOptions options,
    ReconcilerOptions reconciler,
    TimeProvider time,
    ILogger<ReportKeeper> logger) : ILeaderWork, IVerdictObserver
{
    /// <summary>Conflicts in a row (409: the report changed under us) before the namespace waits with backoff.</summary>
    private const int ConflictRetries = 3;

    // Fed by the reconciler's loop, read by this loop: under _gate.
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Heard> _heard = new(StringComparer.Ordinal);
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private bool _synced;

    // This loop's own.
    private readonly Dictionary<string, KnownReport> _written = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Attempts> _attempts = new(StringComparer.Ordinal);
    private bool _absentLogged;

    private TimeSpan Interval => TimeSpan.FromSeconds(options.IntervalSeconds);

    public bool NeedsPitfalls => true;

    public void Started()
    {
        lock (_gate)
        {
            _heard.Clear();
            _synced = false;
        }
    }

    public void Judged(RolloutSnapshot rollout, DeadlineVerdict verdict)
    {
        lock (_gate)
        {
            var heard = Namespace(rollout.Namespace);
            if (heard.Rollouts.TryGetValue(rollout.Name, out var known) && ReferenceEquals(known.Rollout, rollout) && known.Verdict == verdict)
            {
                return;
            }

            heard.Rollouts[rollout.Name] = new Judgement(rollout, verdict);
            MarkDirty(heard);
        }
    }

    public void Forgotten(RolloutSnapshot rollout)
    {
        lock (_gate)
        {
            if (_heard.TryGetValue(rollout.Namespace, out var heard) && heard.Rollouts.Remove(rollout.Name))
            {
                MarkDirty(heard);
            }
        }
    }

    public void Synced()
    {
        lock (_gate)
        {
            // The first list is in: what it dirtied is written at once (the interval coalesces changes, not the start).
            _synced = true;
            var now = time.GetUtcNow();
            foreach (var heard in _heard.Values.Where(h => h.Dirty && h.DirtySince > now - Interval))
            {
                heard.DirtySince = now - Interval;
            }
        }

        _wake.Writer.TryWrite(true);
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        _written.Clear();
        _attempts.Clear();
        policies.Changed += OnPolicyChanged;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                await DiscoverAsync(cancellationToken);
                try
                {
                    await KeepAsync(cancellationToken);
                }
                catch (ReportCrdMissingException)
                {
                    // The CRD went away while we wrote: back to looking for it.
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            policies.Changed -= OnPolicyChanged;
        }
    }

    /// <summary>Until the CRD is there and the product's reports are read: what is there, to compare with.</summary>
    private async Task DiscoverAsync(CancellationToken cancellationToken)
    {
        var failures = 0;
        while (true)
        {
            TimeSpan wait;
            try
            {
                var found = new Dictionary<string, KnownReport>(StringComparer.Ordinal);
                foreach (var scope in Scopes())
                {
                    await api.ListOursAsync(scope, report =>
                    {
                        // Each report is reduced to what is compared as it comes: pages are not kept.
                        if (NamespaceReport.IsOurs(report) && report["metadata"]?["namespace"] is JsonValue ns && ns.TryGetValue<string>(out var name)
                            && report["metadata"]?["name"] is JsonValue named && named.TryGetValue<string>(out var reportName) && reportName == NamespaceReport.Name)
                        {
                            found[name] = NamespaceReport.Know(report);
                        }
                    }, cancellationToken);
                }

                _written.Clear();
                _attempts.Clear();
                foreach (var (ns, known) in found)
                {
                    _written[ns] = known;
                }

                if (_absentLogged)
                {
                    LogCrdInstalled(logger, api.Resource.Display);
                    _absentLogged = false;
                }

                LogDiscovered(logger, _written.Count, api.Resource.Display);
                MarkAllDirty(immediately: true);
                return;
            }
            catch (ApiStatusException e) when (e.Code == (int)HttpStatusCode.NotFound)
            {
                if (!_absentLogged)
                {
                    LogCrdAbsent(logger, api.Resource.Display, options.RecheckMinutes);
                    _absentLogged = true;
                }

                wait = TimeSpan.FromMinutes(options.RecheckMinutes);
            }
            catch (Exception e) when (IsFailure(e, cancellationToken))
            {
                failures++;
                wait = Backoff.Delay(failures, TimeSpan.FromSeconds(reconciler.MaxBackoffSeconds));
                if (e is ApiStatusException { Code: (int)HttpStatusCode.Forbidden })
                {
                    LogForbidden(logger, "list", api.Resource.Display, e.Message, wait.TotalSeconds);
                }
                else
                {
                    LogListFailed(logger, e, api.Resource.Display, wait.TotalSeconds);
                }
            }

            await Task.Delay(wait, time, cancellationToken);
        }
    }

    /// <summary>Writes the namespaces that are due, then waits for the next one or a change; returns never (throws when the CRD goes).</summary>
    private async Task KeepAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var (due, next) = TakeDue(time.GetUtcNow());
            foreach (var (ns, rollouts) in due)
            {
                await WriteAsync(ns, rollouts, cancellationToken);
            }

            if (due.Count > 0)
            {
                continue; // writing took time: look again before waiting
            }

            using var wake = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var waits = new List<Task> { _wake.Reader.WaitToReadAsync(wake.Token).AsTask() };
            if (next is { } at)
            {
                var delay = at - time.GetUtcNow();
                waits.Add(Task.Delay(delay > TimeSpan.Zero ? TimeSpan.FromMilliseconds(Math.Ceiling(delay.TotalMilliseconds)) : TimeSpan.Zero, time, wake.Token));
            }

            await Task.WhenAny(waits);
            await wake.CancelAsync();
            cancellationToken.ThrowIfCancellationRequested();
            _wake.Reader.TryRead(out _);
        }
    }

    /// <summary>The dirty namespaces whose time has come (with their Rollouts as heard now), and when the next one's comes.</summary>
    private (List<(string Namespace, List<Judgement> Rollouts)> Due, DateTimeOffset? Next) TakeDue(DateTimeOffset now)
    {
        var due = new List<(string, List<Judgement>)>();
        DateTimeOffset? next = null;
        lock (_gate)
        {
            if (!_synced)
            {
                return (due, null); // until the whole cluster is heard, a namespace without Rollouts may just not be listed yet
            }

            foreach (var (ns, heard) in _heard)
            {
                if (!heard.Dirty)
                {
                    continue;
                }

                var at = heard.DirtySince + Interval;
                if (_attempts.TryGetValue(ns, out var attempts))
                {
                    at = Max(at, Max(attempts.LastWrite + Interval, attempts.NextTry));
                }

                if (at <= now)
                {
                    heard.Dirty = false;
                    due.Add((ns, [.. heard.Rollouts.Values]));
                }
                else
                {
                    next = next is { } n && n < at ? n : at;
                }
            }

            foreach (var (ns, _) in due.Where(d => d.Item2.Count == 0))
            {
                _heard.Remove(ns);
            }
        }

        return (due, next);
    }

    private async Task WriteAsync(string ns, List<Judgement> rollouts, CancellationToken cancellationToken)
    {
        var attempts = _attempts.TryGetValue(ns, out var a) ? a : _attempts[ns] = new Attempts();
        if (attempts.Foreign)
        {
            return;
        }

        try
        {
            if (rollouts.Count == 0)
            {
                if (_written.ContainsKey(ns))
                {
                    await api.DeleteAsync(ns, NamespaceReport.Name, cancellationToken);
                    _written.Remove(ns);
                    LogDeleted(logger, api.Resource.Kind, ns);
                }

                _attempts.Remove(ns);
                return;
            }

            var policy = policies.Current;
            var entries = rollouts.OrderBy(r => r.Rollout.Name, StringComparer.Ordinal)
                .Select(r => new NamespaceReport.Entry(r.Rollout, RolloutResults.For(r.Rollout, r.Verdict, policy)))
                .ToList();
            for (var conflict = 0; ; conflict++)
            {
                var current = _written.GetValueOrDefault(ns);
                var desired = NamespaceReport.Build(api.Resource, ns, entries, current, time.GetUtcNow(), options.MaxReportBytes);
                if (current is not null && NamespaceReport.SameContent(desired, current))
                {
                    attempts.Failures = 0;
                    LogUnchanged(logger, api.Resource.Kind, ns);
                    return;
                }

                var hash = NamespaceReport.ContentHash(desired);
                if (attempts.Rejected == hash)
                {
                    LogStillRejected(logger, api.Resource.Kind, ns);
                    return; // refused as it is (422, logged once): not again until what it says changes
                }

                try
                {
                    _written[ns] = NamespaceReport.Know(current is null
                        ? await api.CreateAsync(ns, desired, cancellationToken)
                        : await api.ReplaceAsync(ns, desired, cancellationToken));
                    attempts.LastWrite = time.GetUtcNow();
                    attempts.Failures = 0;
                    attempts.Rejected = null;
                    LogWritten(logger, api.Resource.Kind, ns, desired["results"]!.AsArray().Count);
                    return;
                }
                catch (ApiStatusException e) when (e.Code == (int)HttpStatusCode.Conflict && conflict < ConflictRetries)
                {
                    // Changed (or created) since we read it: read it again and judge the difference anew.
                    if (await api.GetAsync(ns, NamespaceReport.Name, cancellationToken) is not { } there)
                    {
                        _written.Remove(ns);
                    }
                    else if (!NamespaceReport.IsOurs(there))
                    {
                        attempts.Foreign = true;
                        LogForeign(logger, api.Resource.Kind, ns, NamespaceReport.Name, NamespaceReport.ManagedByLabel);
                        return;
                    }
                    else
                    {
                        _written[ns] = NamespaceReport.Know(there);
                    }
                }
                catch (ApiStatusException e) when (e.Code == (int)HttpStatusCode.NotFound && current is not null)
                {
                    _written.Remove(ns); // deleted by someone else: create it again
                }
                catch (ApiStatusException e) when (e.Code == (int)HttpStatusCode.NotFound)
                {
                    if (!_absentLogged)
                    {
                        LogCrdAbsent(logger, api.Resource.Display, options.RecheckMinutes);
                        _absentLogged = true;
                    }

                    throw new ReportCrdMissingException();
                }
                catch (ApiStatusException e) when (e.Code == (int)HttpStatusCode.UnprocessableEntity)
                {
                    attempts.Rejected = hash;
                    LogRejected(logger, api.Resource.Kind, ns, e.Message);
                    return;
                }
            }
        }
        catch (Exception e) when (IsFailure(e, cancellationToken))
        {
            attempts.Failures++;
            var wait = Backoff.Delay(attempts.Failures, TimeSpan.FromSeconds(reconciler.MaxBackoffSeconds));
            attempts.NextTry = time.GetUtcNow() + wait;
            if (e is ApiStatusException { Code: (int)HttpStatusCode.Forbidden })
            {
                LogForbidden(logger, "write", $"{api.Resource.Display} in namespace {ns}", e.Message, wait.TotalSeconds);
            }
            else
            {
                LogWriteFailed(logger, e, api.Resource.Kind, ns, wait.TotalSeconds);
            }

            lock (_gate)
            {
                MarkDirty(Namespace(ns), force: true);
            }
        }
    }

    private static bool IsFailure(Exception e, CancellationToken cancellationToken) =>
        e is not ReportCrdMissingException && !(e is OperationCanceledException && cancellationToken.IsCancellationRequested);

    private string?[] Scopes() => reconciler.Namespaces.Length == 0 ? [null] : [.. reconciler.Namespaces];

    // A new policy can change every rule's result without changing a verdict.
    private void OnPolicyChanged(DeadlinePolicy policy) => MarkAllDirty(immediately: false);

    /// <summary>Every namespace heard of or written is to be (re)considered: immediately, or after the usual interval.</summary>
    private void MarkAllDirty(bool immediately)
    {
        lock (_gate)
        {
            foreach (var ns in _written.Keys)
            {
                Namespace(ns);
            }

            foreach (var heard in _heard.Values)
            {
                heard.Dirty = false;
                MarkDirty(heard);
                if (immediately)
                {
                    heard.DirtySince -= Interval;
                }
            }
        }
    }

    private Heard Namespace(string ns)
    {
        if (!_heard.TryGetValue(ns, out var heard))
        {
            heard = new Heard();
            _heard[ns] = heard;
        }

        return heard;
    }

    private void MarkDirty(Heard heard, bool force = false)
    {
        if (heard.Dirty && !force)
        {
            return;
        }

        if (!heard.Dirty)
        {
            heard.DirtySince = time.GetUtcNow();
        }

        heard.Dirty = true;
        _wake.Writer.TryWrite(true);
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    /// <summary>One Rollout's last snapshot and verdict.</summary>
    private readonly record struct Judgement(RolloutSnapshot Rollout, DeadlineVerdict Verdict);

    /// <summary>A namespace's Rollouts as the reconciler judged them, and whether its report is to be written.</summary>
    private sealed class Heard
    {
        public Dictionary<string, Judgement> Rollouts { get; } = new(StringComparer.Ordinal);

        public bool Dirty { get; set; }

        public DateTimeOffset DirtySince { get; set; }
    }

    /// <summary>How writing a namespace's report has gone.</summary>
    private sealed class Attempts
    {
        public DateTimeOffset LastWrite { get; set; } = DateTimeOffset.MinValue;

        public DateTimeOffset NextTry { get; set; } = DateTimeOffset.MinValue;

        public int Failures { get; set; }

        /// <summary>The content hash the API server refused (422).</summary>
        public string? Rejected { get; set; }

        /// <summary>A report of that name is there and is not ours: left alone.</summary>
        public bool Foreign { get; set; }
    }

    [LoggerMessage(EventId = 140, Level = LogLevel.Warning, Message = "Policy reports are off: the API server does not serve {Resource} (its CRD is not installed); looking again in {Minutes} minutes and at each leadership start")]
    private static partial void LogCrdAbsent(ILogger logger, string resource, int minutes);

    [LoggerMessage(EventId = 141, Level = LogLevel.Information, Message = "The API server serves {Resource} now: writing policy reports")]
    private static partial void LogCrdInstalled(ILogger logger, string resource);

    [LoggerMessage(EventId = 142, Level = LogLevel.Information, Message = "Found {Count} policy reports of ours ({Resource}); writing those whose results differ")]
    private static partial void LogDiscovered(ILogger logger, int count, string resource);

    [LoggerMessage(EventId = 143, Level = LogLevel.Debug, Message = "Wrote {Kind} {Namespace}/rollout-deadline-guard: {Results} results")]
    private static partial void LogWritten(ILogger logger, string kind, string @namespace, int results);

    [LoggerMessage(EventId = 144, Level = LogLevel.Information, Message = "Deleted {Kind} {Namespace}/rollout-deadline-guard: no Rollouts left in the namespace")]
    private static partial void LogDeleted(ILogger logger, string kind, string @namespace);

    [LoggerMessage(EventId = 145, Level = LogLevel.Error, Message = "The API server refused {Kind} for namespace {Namespace} (422): {Reason}; not sent again until its results change")]
    private static partial void LogRejected(ILogger logger, string kind, string @namespace, string reason);

    [LoggerMessage(EventId = 146, Level = LogLevel.Error, Message = "Not allowed to {Verb} {Resource}: {Reason}; the chart grants it with reports.enabled; retrying in {DelaySeconds:0.0} s")]
    private static partial void LogForbidden(ILogger logger, string verb, string resource, string reason, double delaySeconds);

    [LoggerMessage(EventId = 147, Level = LogLevel.Warning, Message = "Listing {Resource} failed; retrying in {DelaySeconds:0.0} s")]
    private static partial void LogListFailed(ILogger logger, Exception exception, string resource, double delaySeconds);

    [LoggerMessage(EventId = 148, Level = LogLevel.Warning, Message = "Writing {Kind} for namespace {Namespace} failed; retrying in {DelaySeconds:0.0} s")]
    private static partial void LogWriteFailed(ILogger logger, Exception exception, string kind, string @namespace, double delaySeconds);

    [LoggerMessage(EventId = 150, Level = LogLevel.Debug, Message = "{Kind} {Namespace}/rollout-deadline-guard says what it would say again: not written")]
    private static partial void LogUnchanged(ILogger logger, string kind, string @namespace);

    [LoggerMessage(EventId = 151, Level = LogLevel.Debug, Message = "{Kind} for namespace {Namespace} would say what the API server refused: not sent again")]
    private static partial void LogStillRejected(ILogger logger, string kind, string @namespace);

    [LoggerMessage(EventId = 149, Level = LogLevel.Warning, Message = "{Kind} {Namespace}/{Name} exists without the label {Label}: it is not ours, so this namespace gets no report")]
    private static partial void LogForeign(ILogger logger, string kind, string @namespace, string name, string label);
}

using System.Security.Cryptography;
using System.Text;
using DeadlineGuard.Files;
using DeadlineGuard.Observability;
using Microsoft.Extensions.Options;

namespace DeadlineGuard.Policy;

/// <summary>
/// Holds the policy in force. Loads the file at start (a bad file stops the program), then reloads it
/// whenever it may have changed (<see cref="StartWatching"/>); a change that does not validate is logged and the
/// last good policy stays. Nothing in a file can stop the reloads: every read is bounded
/// (<see cref="PolicyDocumentReader.ReadText"/>), every failure is caught, logged once and counted, reloads run off
/// the watcher's thread, a watch that reports an error is recreated, and the file is checked periodically besides.
/// </summary>
public sealed partial class PolicyStore : IWatchedFile, IDisposable
{
    private readonly ILogger<PolicyStore> _logger;
    private readonly WebhookMetrics _metrics;
    private readonly Readiness _readiness;
    private readonly TimeProvider _time;
    private readonly TimeSpan _reloadCheck;
    private readonly Func<string, FileSystemWatcher>? _createWatcher;
    private readonly Lock _gate = new();
    private FileChangeMonitor? _monitor;
    private bool _disposed;

    /// <summary>What the last attempt read: the content's hash, or the reason it could not be read. Equal outcomes are not repeated.</summary>
    private string? _lastAttempt;

    /// <summary>The hash of the file content whose policy is in force.</summary>
    private string? _inForce;
    private volatile DeadlinePolicy _current = DeadlinePolicy.BuiltIn;

    public PolicyStore(IOptions<PolicyOptions> options, ILogger<PolicyStore> logger, WebhookMetrics metrics, Readiness readiness, TimeProvider? time = null)
        : this(options, logger, metrics, readiness, time ?? TimeProvider.System, createWatcher: null)
    {
    }

    /// <summary><paramref name="createWatcher"/>: how a folder's watch is made (tests make watches that fail); null for the real one.</summary>
    internal PolicyStore(IOptions<PolicyOptions> options, ILogger<PolicyStore> logger, WebhookMetrics metrics, Readiness readiness, TimeProvider time, Func<string, FileSystemWatcher>? createWatcher)
    {
        _logger = logger;
        _time = time;
        _createWatcher = createWatcher;
        _reloadCheck = TimeSpan.FromSeconds(options.Value.ReloadCheckSeconds);
        _metrics = metrics;
        _readiness = readiness;
        readiness.Expect(Readiness.Policy);
        var file = options.Value.File;
        FilePath = string.IsNullOrWhiteSpace(file) ? null : Path.GetFullPath(file);
    }

    /// <summary>Raised after a new policy took effect.</summary>
    public event Action<DeadlinePolicy>? Changed;

    public DeadlinePolicy Current => _current;

    public string? FilePath { get; }

    public string Source => FilePath ?? "built-in default";

    void IWatchedFile.Load() => LoadInitial();

    /// <summary>Loads the configured file, or takes the built-in policy. Throws <see cref="PolicyException"/> (one problem per line) when the file is unusable.</summary>
    public void LoadInitial()
    {
        if (FilePath is not null)
        {
            lock (_gate)
            {
                var attempt = Attempt(FilePath);
                _lastAttempt = attempt.Key;
                if (attempt.Policy is null)
                {
                    CountFailure();
                    throw attempt.Error!;
                }

                _current = attempt.Policy;
                _inForce = attempt.Key;
            }

            _metrics.PolicyReloads.WithLabels("success").Inc();
        }

        _metrics.PolicyLastReloadSuccessful.Set(1);
        _readiness.Passed(Readiness.Policy);
        LogPolicyInForce(_logger, Source, Describe(_current));
    }

    /// <summary>
    /// Reads the file again and records the outcome in the metrics, so that they always describe the last
    /// attempt. An outcome equal to the last one (the same content, the same read failure) changes nothing and
    /// is not logged again. Returns whether a new policy took effect. Never throws.
    /// </summary>
    public bool Reload()
    {
        if (FilePath is null)
        {
            return false;
        }

        try
        {
            return ReloadFile(FilePath);
        }
        catch (Exception e)
        {
            // Nothing a file holds should get here (the reader turns every problem into a PolicyException);
            // a fault of ours must not stop the reloads either.
            lock (_gate)
            {
                _lastAttempt = null;
            }

            CountFailure();
            LogReloadFailed(_logger, e, FilePath);
            return false;
        }
    }

    private bool ReloadFile(string path)
    {
        DeadlinePolicy policy;
        lock (_gate)
        {
            if (_disposed)
            {
                return false;
            }

            var attempt = Attempt(path);
            if (attempt.Key == _lastAttempt)
            {
                return false;
            }

            _lastAttempt = attempt.Key;
            if (attempt.Policy is null)
            {
                CountFailure();
                LogPolicyRejected(_logger, path, attempt.Error!.Problems.Select(p => p.ToString()).ToArray());
                return false;
            }

            _metrics.PolicyReloads.WithLabels("success").Inc();
            _metrics.PolicyLastReloadSuccessful.Set(1);
            if (attempt.Key == _inForce)
            {
                // The file is back to the policy in force (after a failed read, say): the failure is over, nothing changes.
                LogPolicyRestored(_logger, path);
                return false;
            }

            policy = attempt.Policy;
            _current = policy;
            _inForce = attempt.Key;
        }

        LogPolicyReloaded(_logger, path, Describe(policy));
        RaiseChanged(policy, path);
        return true;
    }

    /// <summary>The reload succeeded whatever a listener does; a listener's fault is logged and the others still hear of it.</summary>
    private void RaiseChanged(DeadlinePolicy policy, string path)
    {
        foreach (var listener in Changed?.GetInvocationList().Cast<Action<DeadlinePolicy>>() ?? [])
        {
            try
            {
                listener(policy);
            }
            catch (Exception e)
            {
                LogListenerFailed(_logger, e, path);
            }
        }
    }

    /// <summary>Reads and parses the file; never throws for anything the file holds.</summary>
    private static (string Key, DeadlinePolicy? Policy, PolicyException? Error) Attempt(string path)
    {
        string text;
        try
        {
            text = PolicyDocumentReader.ReadText(path);
        }
        catch (PolicyException e)
        {
            return ("unreadable: " + string.Join("; ", e.Problems), null, e);
        }

        var key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
        try
        {
            return (key, PolicyDocumentReader.Parse(text, path), null);
        }
        catch (PolicyException e)
        {
            return (key, null, e);
        }
    }

    /// <summary>
    /// Reloads whenever the file may have changed, whatever its layout: a plain file, a symlink, or a kubelet volume
    /// (ConfigMap or projected) that renews the file by swapping <c>..data</c> in the volume root, also when the file sits
    /// at a nested path (<c>config/policy.yaml</c> with <c>config -&gt; ..data/config</c>). <see cref="FileChangeMonitor"/>
    /// watches every folder the path goes through, recreates a watch that fails, and checks the file every
    /// <c>Policy:ReloadCheckSeconds</c> besides, in case an event was lost. The check runs off the watcher's thread, one
    /// at a time, and a burst of events gives one or two reloads.
    /// </summary>
    public void StartWatching()
    {
        if (FilePath is null)
        {
            return;
        }

        lock (_gate)
        {
            if (_disposed || _monitor is not null)
            {
                return;
            }

            _monitor = new FileChangeMonitor([FilePath], () => Reload(), _reloadCheck, _time, _logger, _createWatcher);
        }

        _monitor.Start();
    }

    /// <summary>The folders watched now (for diagnostics and tests).</summary>
    public IReadOnlyCollection<string> WatchedDirectories => _monitor?.WatchedDirectories ?? [];

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        _monitor?.Dispose();
    }

    private void CountFailure()
    {
        _metrics.PolicyReloads.WithLabels("failure").Inc();
        _metrics.PolicyLastReloadSuccessful.Set(0);
    }

    private static string Describe(DeadlinePolicy p) =>
        $"inject={p.Inject} default={p.Defaults.ProgressDeadlineSeconds}s abort={p.Defaults.ProgressDeadlineAbort} " +
        $"bounds=[{p.Bounds.MinSeconds},{p.Bounds.MaxSeconds}] requireAbort={p.RequireAbort} action={p.Action} overrides={p.Overrides.Count}";

    [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "Policy in force from {PolicySource}: {Policy}")]
    private static partial void LogPolicyInForce(ILogger logger, string policySource, string policy);

    [LoggerMessage(EventId = 11, Level = LogLevel.Information, Message = "Policy reloaded from {PolicySource}: {Policy}")]
    private static partial void LogPolicyReloaded(ILogger logger, string policySource, string policy);

    [LoggerMessage(EventId = 12, Level = LogLevel.Error, Message = "Policy change in {PolicySource} rejected; the last good policy stays in force. Problems: {Problems}")]
    private static partial void LogPolicyRejected(ILogger logger, string policySource, string[] problems);

    [LoggerMessage(EventId = 13, Level = LogLevel.Information, Message = "Policy file {PolicySource} holds the policy in force again; nothing changes")]
    private static partial void LogPolicyRestored(ILogger logger, string policySource);

    [LoggerMessage(EventId = 14, Level = LogLevel.Error, Message = "Policy reload from {PolicySource} failed; the last good policy stays in force")]
    private static partial void LogReloadFailed(ILogger logger, Exception exception, string policySource);

    [LoggerMessage(EventId = 17, Level = LogLevel.Error, Message = "Policy from {PolicySource} took effect, but a component listening for policy changes failed")]
    private static partial void LogListenerFailed(ILogger logger, Exception exception, string policySource);
}

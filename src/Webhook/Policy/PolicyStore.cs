using System.Security.Cryptography;
using DeadlineGuard.Observability;
using Microsoft.Extensions.Options;

namespace DeadlineGuard.Policy;

/// <summary>
/// Holds the policy in force. Loads the file at start (a bad file stops the program), then reloads it
/// whenever it changes on disk; a change that does not validate is logged and the last good policy stays.
/// </summary>
public sealed partial class PolicyStore : IDisposable
{
    private readonly ILogger<PolicyStore> _logger;
    private readonly WebhookMetrics _metrics;
    private readonly Readiness _readiness;
    private readonly Lock _gate = new();
    private FileSystemWatcher? _watcher;
    private byte[]? _lastSeenHash;
    private volatile DeadlinePolicy _current = DeadlinePolicy.BuiltIn;

    public PolicyStore(IOptions<PolicyOptions> options, ILogger<PolicyStore> logger, WebhookMetrics metrics, Readiness readiness)
    {
        _logger = logger;
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

    /// <summary>Loads the configured file, or takes the built-in policy. Throws <see cref="PolicyException"/> when the file is unusable.</summary>
    public void LoadInitial()
    {
        if (FilePath is not null)
        {
            lock (_gate)
            {
                var text = ReadFile(FilePath);
                _current = PolicyDocumentReader.Parse(text, FilePath);
                _lastSeenHash = SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text));
            }

            _metrics.PolicyReloads.WithLabels("success").Inc();
        }

        _metrics.PolicyLastReloadSuccessful.Set(1);
        _readiness.Passed(Readiness.Policy);
        LogPolicyInForce(_logger, Source, Describe(_current));
    }

    /// <summary>Reads the file again; applies it when it changed and validates. Returns whether a new policy took effect.</summary>
    public bool Reload()
    {
        if (FilePath is null)
        {
            return false;
        }

        DeadlinePolicy policy;
        lock (_gate)
        {
            string text;
            try
            {
                text = ReadFile(FilePath);
            }
            catch (PolicyException e)
            {
                Reject(e);
                return false;
            }

            var hash = SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text));
            if (_lastSeenHash is not null && hash.AsSpan().SequenceEqual(_lastSeenHash))
            {
                return false;
            }

            _lastSeenHash = hash;
            try
            {
                policy = PolicyDocumentReader.Parse(text, FilePath);
            }
            catch (PolicyException e)
            {
                Reject(e);
                return false;
            }

            _current = policy;
        }

        _metrics.PolicyReloads.WithLabels("success").Inc();
        _metrics.PolicyLastReloadSuccessful.Set(1);
        LogPolicyReloaded(_logger, FilePath, Describe(policy));
        Changed?.Invoke(policy);
        return true;
    }

    /// <summary>Watches the file's folder: a ConfigMap volume replaces the file by swapping a symlink, which a watch on the file itself misses.</summary>
    public void StartWatching()
    {
        if (FilePath is null || _watcher is not null)
        {
            return;
        }

        var folder = Path.GetDirectoryName(FilePath)!;
        _watcher = new FileSystemWatcher(folder)
        {
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.CreationTime,
            IncludeSubdirectories = false,
        };
        _watcher.Changed += (_, _) => Reload();
        _watcher.Created += (_, _) => Reload();
        _watcher.Renamed += (_, _) => Reload();
        _watcher.Deleted += (_, _) => Reload();
        _watcher.EnableRaisingEvents = true;
    }

    public void Dispose() => _watcher?.Dispose();

    private void Reject(PolicyException e)
    {
        _metrics.PolicyReloads.WithLabels("failure").Inc();
        _metrics.PolicyLastReloadSuccessful.Set(0);
        LogPolicyRejected(_logger, e.PolicySource, e.Problems.Select(p => p.ToString()).ToArray());
    }

    private static string ReadFile(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new PolicyException(path, [new PolicyProblem("(file)", $"cannot be read: {e.Message}")]);
        }
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
}

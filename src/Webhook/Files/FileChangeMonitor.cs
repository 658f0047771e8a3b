namespace DeadlineGuard.Files;

/// <summary>
/// Runs a check whenever files the program reads may have changed, whatever layout their paths go through: a plain
/// folder (a file rewritten or replaced in place), a symlinked file, or a kubelet volume (<c>tls -&gt; ..data/tls</c>,
/// <c>..data -&gt; ..2026_01_01_00_00_00.123</c>, renewed by renaming a new <c>..data</c> over the old one in the volume
/// root and deleting the old folder). A watch on the file's own folder misses the kubelet's swap: that folder is the
/// old timestamped one, which is deleted, not changed.
/// <para>
/// So the monitor watches every folder that holds a symlink met while resolving each path, plus the folder the path
/// finally resolves into; after every event it resolves the paths again and moves its watches (the timestamped folder
/// changes with each renewal). A watcher that reports an error is recreated. As a safety net for lost events (an
/// inotify queue overflow, the per-user inotify limits) the check also runs every <c>pollInterval</c>, through the
/// <see cref="TimeProvider"/>, and re-arms any watch that could not be made. The check must be idempotent: it compares
/// contents and acts only on a real change.
/// </para>
/// </summary>
public sealed partial class FileChangeMonitor : IDisposable
{
    /// <summary>Linux's limit on symlinks followed in one path resolution (ELOOP).</summary>
    private const int MaxSymlinkHops = 40;

    private readonly IReadOnlyList<string> _files;
    private readonly Action _check;
    private readonly TimeSpan _pollInterval;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Func<string, FileSystemWatcher> _createWatcher;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, FileSystemWatcher> _watchers = new(StringComparer.Ordinal);
    private readonly HashSet<string> _failedDirectories = new(StringComparer.Ordinal);
    private ITimer? _timer;
    private int _scheduled;
    private bool _disposed;

    public FileChangeMonitor(IReadOnlyList<string> files, Action check, TimeSpan pollInterval, TimeProvider time, ILogger logger, Func<string, FileSystemWatcher>? createWatcher = null)
    {
        _files = [.. files.Select(Path.GetFullPath)];
        _check = check;
        _pollInterval = pollInterval;
        _time = time;
        _logger = logger;
        _createWatcher = createWatcher ?? (directory => new FileSystemWatcher(directory));
    }

    /// <summary>The folders watched now (for diagnostics and tests).</summary>
    public IReadOnlyCollection<string> WatchedDirectories
    {
        get
        {
            lock (_gate)
            {
                return [.. _watchers.Keys];
            }
        }
    }

    public void Start()
    {
        lock (_gate)
        {
            if (_disposed || _timer is not null)
            {
                return;
            }

            Arm();
            _timer = _time.CreateTimer(_ => Schedule(), null, _pollInterval, _pollInterval);
        }
    }

    /// <summary>
    /// The folders whose changes can change what <paramref name="file"/> reads: for each symlink met while resolving
    /// the path (in the path itself or in a link's target), the folder holding it; and the folder it resolves into.
    /// </summary>
    /// <param name="file">An absolute path.</param>
    /// <param name="linkTarget">The target of a path that is a symlink, null for anything else or nothing.</param>
    public static IReadOnlySet<string> DirectoriesToWatch(string file, Func<string, string?> linkTarget)
    {
        var directories = new HashSet<string>(StringComparer.Ordinal);
        var root = Path.GetPathRoot(file) ?? "/";
        var current = root;
        var pending = new Stack<string>(Components(file).Reverse());
        var hops = 0;
        while (pending.Count > 0)
        {
            var name = pending.Pop();
            if (name == "..")
            {
                current = Path.GetDirectoryName(current) ?? current;
                continue;
            }

            var candidate = Path.Combine(current, name);
            var target = linkTarget(candidate);
            if (target is null)
            {
                current = candidate;
                continue;
            }

            directories.Add(current);
            if (++hops > MaxSymlinkHops)
            {
                break;
            }

            if (Path.IsPathRooted(target))
            {
                current = Path.GetPathRoot(target) ?? root;
            }

            foreach (var part in Components(target).Reverse())
            {
                pending.Push(part);
            }
        }

        directories.Add(Path.GetDirectoryName(current) ?? current);
        return directories;
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _timer?.Dispose();
            foreach (var watcher in _watchers.Values)
            {
                watcher.Dispose();
            }

            _watchers.Clear();
        }
    }

    private static IEnumerable<string> Components(string path) =>
        path.Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries).Where(c => c != ".");

    private static string? LinkTarget(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Coalesces events: one check runs after any burst (a kubelet renewal raises about ten).</summary>
    private void Schedule()
    {
        if (Interlocked.Exchange(ref _scheduled, 1) == 0)
        {
            ThreadPool.UnsafeQueueUserWorkItem(_ => Run(), null);
        }
    }

    private void Run()
    {
        // Cleared before the check: an event during the check schedules one more, so no change is missed.
        Interlocked.Exchange(ref _scheduled, 0);
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            Arm();
            try
            {
                _check();
            }
#pragma warning disable CA1031 // a failing check must not stop the monitoring; it is logged and retried on the next event or poll
            catch (Exception e)
#pragma warning restore CA1031
            {
                LogCheckFailed(_logger, string.Join(", ", _files), e);
            }
        }
    }

    /// <summary>Watches exactly the folders the paths go through now. Called under the gate.</summary>
    private void Arm()
    {
        var wanted = _files.SelectMany(f => DirectoriesToWatch(f, LinkTarget)).ToHashSet(StringComparer.Ordinal);
        foreach (var stale in _watchers.Keys.Where(d => !wanted.Contains(d)).ToList())
        {
            _watchers[stale].Dispose();
            _watchers.Remove(stale);
        }

        foreach (var directory in wanted.Where(d => !_watchers.ContainsKey(d)))
        {
            if (!Directory.Exists(directory))
            {
                continue; // a path being replaced; the next event or poll arms it
            }

            FileSystemWatcher? watcher = null;
            try
            {
                watcher = _createWatcher(directory);
                watcher.IncludeSubdirectories = false;
                watcher.NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite
                    | NotifyFilters.Size | NotifyFilters.CreationTime | NotifyFilters.Attributes;
                watcher.Changed += (_, _) => Schedule();
                watcher.Created += (_, _) => Schedule();
                watcher.Deleted += (_, _) => Schedule();
                watcher.Renamed += (_, _) => Schedule();
                watcher.Error += (_, e) => OnError(directory, e.GetException());
                watcher.EnableRaisingEvents = true;
                _watchers[directory] = watcher;
                if (_failedDirectories.Remove(directory))
                {
                    LogWatching(_logger, directory);
                }
            }
            catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException or PlatformNotSupportedException)
            {
                watcher?.Dispose();
                if (_failedDirectories.Add(directory))
                {
                    LogCannotWatch(_logger, directory, e.Message, _pollInterval.TotalSeconds);
                }
            }
        }
    }

    /// <summary>A watcher that failed (events lost, or its folder gone) is dropped; the next run recreates it and checks.</summary>
    private void OnError(string directory, Exception error)
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            if (_watchers.Remove(directory, out var watcher))
            {
                watcher.Dispose();
            }
        }

        LogWatcherFailed(_logger, directory, error.Message);
        Schedule();
    }

    [LoggerMessage(EventId = 24, Level = LogLevel.Warning, Message = "Cannot watch {Directory} for changes ({Reason}); its files are checked every {PollSeconds} s instead")]
    private static partial void LogCannotWatch(ILogger logger, string directory, string reason, double pollSeconds);

    [LoggerMessage(EventId = 25, Level = LogLevel.Warning, Message = "Watch of {Directory} failed ({Reason}); it is recreated and the files are checked now")]
    private static partial void LogWatcherFailed(ILogger logger, string directory, string reason);

    [LoggerMessage(EventId = 26, Level = LogLevel.Information, Message = "Watching {Directory} for changes again")]
    private static partial void LogWatching(ILogger logger, string directory);

    [LoggerMessage(EventId = 27, Level = LogLevel.Error, Message = "Checking {Files} for changes failed")]
    private static partial void LogCheckFailed(ILogger logger, string files, Exception exception);
}

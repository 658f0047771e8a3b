using DeadlineGuard.Files;
using DeadlineGuard.Hosting;
using DeadlineGuard.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace DeadlineGuard.Tests.Tls;

/// <summary>
/// The file watch behind certificate reloading, over every layout a file can be reached through. The clock is fake
/// and never advanced unless a test says so: a change seen here was seen by the watch, not by the periodic check.
/// </summary>
public sealed class FileChangeMonitorTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(60);

    private readonly string _root = Directory.CreateTempSubdirectory("watch-").FullName;
    private readonly FakeTimeProvider _clock = new();

    /// <summary>One way of publishing a file's first and later contents; returns the path the program is given.</summary>
    public sealed record Layout(string Name, Func<string, string, string> Publish, Action<string, string> Update)
    {
        public override string ToString() => Name;
    }

    public static TheoryData<Layout> Layouts() =>
    [
        // A plain folder, the file rewritten in place (truncate and write, one inode).
        new Layout(
            "flat folder, file rewritten in place",
            (root, text) => Write(Path.Combine(root, "tls.crt"), text),
            (root, text) => File.WriteAllText(Path.Combine(root, "tls.crt"), text)),

        // A plain folder, a new file renamed over the old one (how editors and `install` save).
        new Layout(
            "flat folder, file replaced by rename",
            (root, text) => Write(Path.Combine(root, "tls.crt"), text),
            (root, text) =>
            {
                File.WriteAllText(Path.Combine(root, ".tls.crt.new"), text);
                File.Move(Path.Combine(root, ".tls.crt.new"), Path.Combine(root, "tls.crt"), overwrite: true);
            }),

        // The chart's projected volume: tls -> ..data/tls, renewed by the kubelet's ..data swap.
        new Layout(
            "kubelet volume, nested path tls/tls.crt",
            (root, text) =>
            {
                new AtomicWriter(root).Write(new Dictionary<string, string> { ["tls/tls.crt"] = text, ["policy.yaml"] = "p" }, ReadOnly);
                return Path.Combine(root, "tls", "tls.crt");
            },
            (root, text) => new AtomicWriter(root).Write(new Dictionary<string, string> { ["tls/tls.crt"] = text, ["policy.yaml"] = "p" }, ReadOnly)),

        // A Secret volume with its keys at the top: tls.crt -> ..data/tls.crt.
        new Layout(
            "kubelet volume, top-level path tls.crt",
            (root, text) =>
            {
                new AtomicWriter(root).Write(new Dictionary<string, string> { ["tls.crt"] = text }, ReadOnly);
                return Path.Combine(root, "tls.crt");
            },
            (root, text) => new AtomicWriter(root).Write(new Dictionary<string, string> { ["tls.crt"] = text }, ReadOnly)),

        // A symlinked file, pointed at a new file elsewhere (as a deploy tool flipping a "current" link does).
        new Layout(
            "symlinked file, link pointed at a new file",
            (root, text) =>
            {
                Directory.CreateDirectory(Path.Combine(root, "store"));
                Directory.CreateDirectory(Path.Combine(root, "etc"));
                Write(Path.Combine(root, "store", "v1.crt"), text);
                File.CreateSymbolicLink(Path.Combine(root, "etc", "tls.crt"), Path.Combine(root, "store", "v1.crt"));
                return Path.Combine(root, "etc", "tls.crt");
            },
            (root, text) =>
            {
                var version = Path.Combine(root, "store", $"v{Guid.NewGuid():N}.crt");
                Write(version, text);
                AtomicSymlink.Swap(Path.Combine(root, "etc"), "tls.crt", version);
            }),

        // A symlinked file whose target is rewritten where it lives.
        new Layout(
            "symlinked file, target rewritten in place",
            (root, text) =>
            {
                Directory.CreateDirectory(Path.Combine(root, "store"));
                Directory.CreateDirectory(Path.Combine(root, "etc"));
                Write(Path.Combine(root, "store", "current.crt"), text);
                File.CreateSymbolicLink(Path.Combine(root, "etc", "tls.crt"), Path.Combine("..", "store", "current.crt"));
                return Path.Combine(root, "etc", "tls.crt");
            },
            (root, text) => File.WriteAllText(Path.Combine(root, "store", "current.crt"), text)),
    ];

    [Theory]
    [MemberData(nameof(Layouts))]
    public async Task Every_change_is_seen_through_the_watch_in_each_layout(Layout layout)
    {
        var file = layout.Publish(_root, "v1");
        var seen = new Seen(file);
        using var monitor = new FileChangeMonitor([file], seen.Check, Poll, _clock, NullLogger.Instance);
        monitor.Start();

        // Three renewals: the watch must follow each one (the kubelet deletes the folder it watched before).
        foreach (var version in new[] { "v2", "v3", "v4" })
        {
            layout.Update(_root, version);
            await seen.Content(version).WaitAsync(Patience);
        }
    }

    [Fact]
    public void In_a_kubelet_volume_the_root_holding_the_data_link_and_the_current_timestamped_folder_are_watched()
    {
        var writer = new AtomicWriter(_root);
        writer.Write(new Dictionary<string, string> { ["tls/tls.crt"] = "a", ["policy.yaml"] = "p" }, ReadOnly);

        var watched = FileChangeMonitor.DirectoriesToWatch(Path.Combine(_root, "tls", "tls.crt"), p => new FileInfo(p).LinkTarget);

        // tls -> ..data/tls lives in the root, ..data -> ..2026_... too; the file resolves into ..2026_.../tls.
        watched.ShouldBe([_root, Path.Combine(_root, writer.CurrentDataDir!, "tls")], ignoreOrder: true);
    }

    [Theory]
    [InlineData("/srv/tls/tls.crt", new string[0], new[] { "/srv/tls" })]
    [InlineData("/v/tls/tls.crt", new[] { "/v/tls=..data/tls", "/v/..data=..2026_01_01.1" }, new[] { "/v", "/v/..2026_01_01.1/tls" })]
    [InlineData("/v/policy.yaml", new[] { "/v/policy.yaml=..data/policy.yaml", "/v/..data=..2026_01_01.1" }, new[] { "/v", "/v/..2026_01_01.1" })]
    [InlineData("/etc/tls.crt", new[] { "/etc/tls.crt=/store/v1.crt" }, new[] { "/etc", "/store" })]
    [InlineData("/etc/tls.crt", new[] { "/etc/tls.crt=../store/v1.crt" }, new[] { "/etc", "/store" })]
    [InlineData("/a/b/tls.crt", new[] { "/a=/x/y", "/x/y/b=c" }, new[] { "/", "/x/y", "/x/y/c" })]
    public void The_watched_folders_follow_every_symlink_of_the_path(string file, string[] links, string[] expected)
    {
        var table = links.Select(l => l.Split('=')).ToDictionary(l => l[0], l => l[1]);

        var watched = FileChangeMonitor.DirectoriesToWatch(file, p => table.GetValueOrDefault(p));

        watched.ShouldBe(expected, ignoreOrder: true);
    }

    [Fact]
    public void A_symlink_loop_ends_the_resolution_instead_of_hanging()
    {
        var watched = FileChangeMonitor.DirectoriesToWatch("/v/a/f", p => p == "/v/a" ? "/v/a" : null);

        watched.ShouldContain("/v");
    }

    [Fact]
    public async Task A_watcher_that_fails_is_recreated_and_sees_later_changes()
    {
        var file = Write(Path.Combine(_root, "tls.crt"), "v1");
        var created = new List<BreakableWatcher>();
        var seen = new Seen(file);
        using var monitor = new FileChangeMonitor([file], seen.Check, Poll, _clock, NullLogger.Instance, directory =>
        {
            var watcher = new BreakableWatcher(directory);
            lock (created)
            {
                created.Add(watcher);
            }

            return watcher;
        });
        monitor.Start();
        created.Count.ShouldBe(1);

        created[0].Fail();
        await seen.Checks(1).WaitAsync(Patience);

        lock (created)
        {
            created.Count.ShouldBe(2, "a new watcher replaces the failed one");
            created[0].WasDisposed.ShouldBeTrue("the failed watcher is disposed");
        }

        File.WriteAllText(file, "v2");
        await seen.Content("v2").WaitAsync(Patience);
    }

    [Fact]
    public async Task Without_any_watch_the_periodic_check_sees_the_change_and_retries_the_watch()
    {
        var file = Write(Path.Combine(_root, "tls.crt"), "v1");
        var attempts = 0;
        var seen = new Seen(file);
        using var monitor = new FileChangeMonitor([file], seen.Check, Poll, _clock, NullLogger.Instance, _ =>
        {
            Interlocked.Increment(ref attempts);
            throw new IOException("The configured user limit (128) on the number of inotify instances has been reached");
        });
        monitor.Start();
        File.WriteAllText(file, "v2");

        _clock.Advance(Poll - TimeSpan.FromSeconds(1));
        seen.Count.ShouldBe(0, "nothing is checked before the interval");
        _clock.Advance(TimeSpan.FromSeconds(1));

        await seen.Content("v2").WaitAsync(Patience);
        monitor.WatchedDirectories.ShouldBeEmpty();
        Volatile.Read(ref attempts).ShouldBe(2, "the watch is tried at start and again at the check");
    }

    [Fact]
    public async Task A_check_that_throws_does_not_stop_the_monitoring()
    {
        var file = Write(Path.Combine(_root, "tls.crt"), "v1");
        var seen = new Seen(file);
        var calls = 0;
        using var monitor = new FileChangeMonitor([file], () =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                throw new InvalidOperationException("first check fails");
            }

            seen.Check();
        }, Poll, _clock, NullLogger.Instance);
        monitor.Start();

        File.WriteAllText(file, "v2");
        await WaitUntil(() => Volatile.Read(ref calls) >= 1);
        File.WriteAllText(file, "v3");

        await seen.Content("v3").WaitAsync(Patience);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private const UnixFileMode ReadOnly = UnixFileMode.UserRead | UnixFileMode.GroupRead;

    private static string Write(string path, string text)
    {
        File.WriteAllText(path, text);
        return path;
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(Patience);
        while (!condition())
        {
            await Task.Delay(10, timeout.Token);
        }
    }

    /// <summary>The check the monitor runs: reads the file as the program would and signals each content seen.</summary>
    private sealed class Seen(string file)
    {
        private readonly Lock _gate = new();
        private readonly Dictionary<string, TaskCompletionSource> _contents = new(StringComparer.Ordinal);
        private readonly List<TaskCompletionSource> _counts = [];
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public void Check()
        {
            string text;
            try
            {
                text = File.ReadAllText(file);
            }
            catch (IOException)
            {
                return;
            }

            lock (_gate)
            {
                _count++;
                Signal(text).TrySetResult();
                foreach (var waiter in _counts.Take(_count))
                {
                    waiter.TrySetResult();
                }
            }
        }

        public Task Content(string text)
        {
            lock (_gate)
            {
                return Signal(text).Task;
            }
        }

        public Task Checks(int count)
        {
            lock (_gate)
            {
                while (_counts.Count < count)
                {
                    _counts.Add(new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
                }

                if (_count >= count)
                {
                    _counts[count - 1].TrySetResult();
                }

                return _counts[count - 1].Task;
            }
        }

        private TaskCompletionSource Signal(string text)
        {
            if (!_contents.TryGetValue(text, out var signal))
            {
                signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _contents[text] = signal;
            }

            return signal;
        }
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using System.Runtime.InteropServices;
using DeadlineGuard.Bench.FakeApi;
using DeadlineGuard.Tests.Support.FakeKube;

// The fake Kubernetes API server for bench/run-reconciler.sh and the status measurements: the tests' FakeKube
// (tests/FakeKube: paged lists, watches with bookmarks, status patches, Events, 404 for what it does not serve)
// serving N generated Rollouts, created before /fake/stats answers, so not part of what the benchmark times.
// BenchEndpoints adds /fake/stats and /fake/make-due and counts what was asked; a BOOKMARK goes to every watch that
// asked for them every --bookmark-seconds.
// Until the workload is made, every request goes to the fake, which does not serve /fake/stats (404).
var options = FakeOptions.Parse(args);
var stats = new FakeStats();
BenchEndpoints? endpoints = null;
await using var kube = await FakeKubeApiServer.StartAsync(new FakeKubeServerOptions
{
    Port = options.Port,
    Before = (context, next) => endpoints is { } e ? e.HandleAsync(context, next) : next(context),
});

var generating = Stopwatch.GetTimestamp();
var workload = RolloutWorkload.Generate(kube, options, DateTimeOffset.UtcNow);
var took = Stopwatch.GetElapsedTime(generating);

// The generator's garbage goes before anyone measures this process: what stays is the store.
GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
Console.WriteLine(workload.Describe(took, kube.ResourceVersion));

// The Rollout due by its timer falls due this long after the fake is ready.
workload.ArmTimer(kube, DateTimeOffset.UtcNow);
endpoints = new BenchEndpoints(workload, stats, kube);
Console.WriteLine($"FakeApi listening on {kube.Url}{workload.DescribeTimer()}");

using var bookmarks = new Timer(
    _ => Interlocked.Add(ref stats.Bookmarks, kube.SendBookmarks()),
    null,
    TimeSpan.FromSeconds(options.BookmarkSeconds),
    TimeSpan.FromSeconds(options.BookmarkSeconds));

var stopping = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    stopping.TrySetResult();
});
using var onInt = PosixSignalRegistration.Create(PosixSignal.SIGINT, context =>
{
    context.Cancel = true;
    stopping.TrySetResult();
});
await stopping.Task;
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"FakeApi stopping; {Interlocked.Read(ref stats.Pages)} pages served"));

using System.Diagnostics;
using System.Globalization;
using DeadlineGuard.Bench.FakeApi;

// A fake Kubernetes API server for bench/run-reconciler.sh: N generated Rollouts (generated before it listens, so
// not part of what the benchmark times), a paged list, a watch with bookmarks that can also deliver a change, 201
// for Events and 200 for a status patch (an abort, whose time it records). Everything else is a 404 Status, counted,
// so that the script can check nothing else was asked for.
var options = FakeOptions.Parse(args);
var generating = Stopwatch.GetTimestamp();
var store = RolloutStore.Generate(options, DateTimeOffset.UtcNow);
Console.WriteLine(store.Describe(Stopwatch.GetElapsedTime(generating)));

var builder = WebApplication.CreateSlimBuilder();
builder.Logging.ClearProviders();
builder.WebHost.UseUrls($"http://127.0.0.1:{options.Port.ToString(CultureInfo.InvariantCulture)}");
builder.WebHost.ConfigureKestrel(kestrel => kestrel.AddServerHeader = false);
var app = builder.Build();
app.MapFakeKubernetes(store, options, new FakeStats(), new WatchHub());
await app.StartAsync();

// The Rollout due by its timer falls due this long after the fake starts listening.
store.ArmTimer(DateTimeOffset.UtcNow);
Console.WriteLine($"FakeApi listening on http://127.0.0.1:{options.Port.ToString(CultureInfo.InvariantCulture)}{store.DescribeTimer()}");
await app.WaitForShutdownAsync();

using System.Diagnostics;
using System.Globalization;
using DeadlineGuard.Reconciler;
using k8s;

// Usage: dotnet bench/ListDecode/bin/Release/net10.0/ListDecode.dll [FAKE_URL] [ROUNDS] [pitfalls]
// "pitfalls": also find each Rollout's pitfalls at decode, as the reconciler does with reports on (RolloutPitfalls.Find).
// Start the fake first: dotnet bench/FakeApi/bin/Release/net10.0/FakeApi.dll --rollouts 10000 --port 18995
// Compare the first round with and without DOTNET_TieredPGO=0 in the environment.
var url = args.Length > 0 ? args[0] : "http://127.0.0.1:18995";
var rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 3;
using var client = new Kubernetes(new KubernetesClientConfiguration { Host = url });
var api = new RolloutApi(client);
var pitfalls = args.Length > 2 && args[2] is "pitfalls" or "parse";
PitfallFinder? finder = args.Length > 2 && args[2] == "parse" ? ParseOnly : pitfalls ? RolloutPitfalls.Find : null;
var decoder = new RolloutDecoder(new StringPool(), "deadline-guard.io/exempt", keepSelector: false, finder);
for (var round = 0; round < rounds; round++)
{
    var cpu = Environment.CpuUsage.TotalTime;
    var allocated = GC.GetTotalAllocatedBytes(precise: true);
    var wall = Stopwatch.StartNew();
    string? next = null;
    var count = 0;
    long bytes = 0;
    do
    {
        using var response = await api.ListRolloutsAsync(null, RolloutInformer.DefaultPageSize, next, CancellationToken.None);
        await using var body = await response.Content.ReadAsStreamAsync();
        var page = new RolloutListReader(decoder);
        await page.ReadAsync(body, CancellationToken.None);
        count += page.Items.Count;
        bytes += page.Bytes;
        next = page.Continue;
    }
    while (next is not null);

    Console.WriteLine(string.Create(
        CultureInfo.InvariantCulture,
        $"round {round}{(pitfalls ? " (pitfalls)" : string.Empty)}: {count} Rollouts, {bytes / 1048576.0:0.0} MiB: {(Environment.CpuUsage.TotalTime - cpu).TotalMilliseconds:0} ms of CPU, {wall.ElapsedMilliseconds} ms, {(GC.GetTotalAllocatedBytes(precise: true) - allocated) / 1048576.0:0} MiB allocated"));
}

// "parse": only the JSON parse the pitfall finder starts with, to split its cost.
static PitfallSet ParseOnly(ReadOnlySpan<byte> rollout, ReadOnlySpan<byte> detectorView)
{
    using var document = RolloutPitfalls.Parse(detectorView);
    return PitfallSet.None;
}

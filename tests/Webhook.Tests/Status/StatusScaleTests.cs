using System.Diagnostics;
using System.Text.Json.Nodes;
using DeadlineGuard.Cli;
using DeadlineGuard.Tests.Reconciler;
using DeadlineGuard.Tests.Support.FakeKube;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace DeadlineGuard.Tests.RolloutStatus;

/// <summary>
/// Thousands of Rollouts print in a second or two: 5,000 realistic Rollouts (about 9.5 KiB each, the reconciler
/// benchmark's) listed from the fake API server and judged. The fake's own work (it serialises every page from its
/// JSON trees) is in the measurement; the bound is generous because other tests share the machine.
/// </summary>
[Collection(HeapMeasurements.Name)]
public sealed class StatusScaleTests(ITestOutputHelper output)
{
    private const int Count = 5000;

    [Fact]
    public async Task Five_thousand_rollouts_are_all_printed_from_the_paged_list()
    {
        var now = new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);
        await using var kube = await FakeKubeApiServer.StartAsync();
        for (var i = 0; i < Count; i++)
        {
            var rollout = RealisticRollouts.Create(i, now);
            var metadata = rollout["metadata"]!.AsObject();
            metadata.Remove("resourceVersion");
            kube.Seed(rollout);
        }

        var folder = Directory.CreateTempSubdirectory("status-scale-").FullName;
        try
        {
            var kubeconfig = StatusKubeconfig.Write(folder, kube.Url, "default");
            var (json, jsonWall, jsonCpu) = await RunAsync(kubeconfig, now, "-A", "-o", "json");
            var (table, tableWall, tableCpu) = await RunAsync(kubeconfig, now, "-A");

            var parsed = JsonNode.Parse(json)!;
            parsed["summary"]!["rollouts"]!.GetValue<int>().ShouldBe(Count);
            table.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length.ShouldBe(Count + 1);
            output.WriteLine($"{Count} Rollouts: -o json {jsonWall.TotalMilliseconds:0} ms ({jsonCpu.TotalMilliseconds:0} ms of process CPU, fake server included); table {tableWall.TotalMilliseconds:0} ms ({tableCpu.TotalMilliseconds:0} ms)");
            // Times are printed, not asserted: speed is measured by the benchmark in docs/benchmarks.md (Status).
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task<(string Output, TimeSpan Wall, TimeSpan Cpu)> RunAsync(string kubeconfig, DateTimeOffset now, params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var context = new CommandContext(new StringReader(string.Empty), stdout, stderr, ProgramName.Default) { Time = new FakeTimeProvider(now) };
        var cpu = Environment.CpuUsage.TotalTime;
        var wall = Stopwatch.StartNew();
        var exit = await CommandLine.RunAsync(["status", "--kubeconfig", kubeconfig, .. args], context);
        wall.Stop();
        exit.ShouldBe(Commands.Ok, stderr.ToString());
        return (stdout.ToString(), wall.Elapsed, Environment.CpuUsage.TotalTime - cpu);
    }
}

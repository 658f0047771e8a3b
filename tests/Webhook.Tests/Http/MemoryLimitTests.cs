using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using DeadlineGuard.Tests.Support;
using Xunit.Abstractions;

namespace DeadlineGuard.Tests.Http;

/// <summary>
/// Issue 13, item 3: the program in a cgroup-v1 memory group at the chart's limit (256 MiB), as the kubelet runs the
/// container (the .NET runtime sizes its heap limit from the group's limit, read at start from /proc/self/cgroup), is
/// sent 16 valid 3.5 MB reviews at once, three times. Each is answered 200, or 429 with a reason when the decoding
/// budget is full; none is a 500 or a dropped connection, and the process lives.
/// </summary>
public sealed class MemoryLimitTests(ITestOutputHelper output)
{
    private const long ChartMemoryLimit = 256L * 1024 * 1024;
    private const int Clients = 16;
    private const int Rounds = 3;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    [SkippableFact]
    public async Task Sixteen_concurrent_large_reviews_under_the_chart_memory_limit_get_no_500_and_the_process_lives()
    {
        const string Memory = "/sys/fs/cgroup/memory";
        var canRun = Environment.IsPrivilegedProcess && Directory.Exists(Memory) && File.Exists(Path.Combine(Memory, "cgroup.procs"));
        var reason = "needs root and a writable cgroup-v1 memory hierarchy at /sys/fs/cgroup/memory (run the tests as root on a cgroup-v1 host, as CI does)";
        if (!canRun && TestPaths.IsCi)
        {
            throw new InvalidOperationException(reason + "; CI must run this test");
        }

        Skip.If(!canRun, reason);

        var group = Directory.CreateDirectory(Path.Combine(Memory, $"deadline-guard-test-{Guid.NewGuid():N}")).FullName;
        try
        {
            await File.WriteAllTextAsync(Path.Combine(group, "memory.limit_in_bytes"), ChartMemoryLimit.ToString(CultureInfo.InvariantCulture));
            await RunAsync(group);
        }
        finally
        {
            Directory.Delete(group); // rmdir; the process has left it by exiting
        }
    }

    private async Task RunAsync(string group)
    {
        // The shell joins the group, then execs dotnet: everything the program allocates is charged there.
        using var webhook = WebhookProcess.Start(
            ["--urls", "https://127.0.0.1:0"],
            new Dictionary<string, string?> { ["DOTNET_RUNNING_IN_CONTAINER"] = "true", ["DOTNET_gcServer"] = null },
            launcher: ["/bin/sh", "-c", "echo $$ > \"$0/cgroup.procs\" && exec \"$@\"", group]);
        var address = new Uri(await webhook.ListeningAsync(Patience));
        var body = LargeReview();
        output.WriteLine($"review: {body.Length} bytes");

        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = Clients, SslOptions = { RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate?.Subject.Contains("localhost", StringComparison.Ordinal) == true } };
        using var client = new HttpClient(handler) { BaseAddress = address, Timeout = Patience };
        var statuses = new ConcurrentBag<string>();
        for (var round = 0; round < Rounds; round++)
        {
            await Task.WhenAll(Enumerable.Range(0, Clients).Select(async _ =>
            {
                using var content = new ByteArrayContent(body);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                try
                {
                    using var answer = await client.PostAsync(new Uri("/mutate", UriKind.Relative), content);
                    var text = await answer.Content.ReadAsStringAsync();
                    statuses.Add(answer.StatusCode == HttpStatusCode.TooManyRequests
                        ? "429 " + text.Trim()
                        : ((int)answer.StatusCode).ToString(CultureInfo.InvariantCulture));
                }
                catch (HttpRequestException e)
                {
                    statuses.Add("failed: " + e.Message);
                }
            }));
        }

        var peak = await File.ReadAllTextAsync(Path.Combine(group, "memory.max_usage_in_bytes"));
        var failcnt = await File.ReadAllTextAsync(Path.Combine(group, "memory.failcnt"));
        output.WriteLine($"memory cgroup peak {long.Parse(peak, CultureInfo.InvariantCulture) / (1024 * 1024)} MiB, failcnt {failcnt.Trim()}");
        foreach (var status in statuses.GroupBy(s => s.Length > 60 ? s[..60] : s))
        {
            output.WriteLine($"{status.Count()} x {status.Key}");
        }

        webhook.HasExited.ShouldBeFalse($"the webhook died:{Environment.NewLine}{webhook.Output[^Math.Min(2000, webhook.Output.Length)..]}");
        statuses.Count.ShouldBe(Clients * Rounds);
        statuses.ShouldAllBe(s => s == "200" || s.StartsWith("429 too many reviews being read at once", StringComparison.Ordinal));
        statuses.ShouldContain("200");
        (await client.GetAsync(new Uri("/healthz", UriKind.Relative))).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await webhook.TerminateAsync(Patience)).ShouldBe(0);
    }

    /// <summary>A valid CREATE review of a Rollout with 300,000 annotations (3.6 MB), under Admission:MaxRequestBytes.</summary>
    private static byte[] LargeReview()
    {
        var review = Reviews.Review(Reviews.Rollout()).ToJsonString();
        var annotations = new StringBuilder("\"annotations\":{");
        for (var i = 0; i < 300_000; i++)
        {
            annotations.Append(i == 0 ? "" : ",").Append("\"k").Append(i.ToString("x5", CultureInfo.InvariantCulture)).Append("\":\"\"");
        }

        annotations.Append("},");
        const string Metadata = "\"metadata\":{";
        var at = review.IndexOf(Metadata, StringComparison.Ordinal) + Metadata.Length;
        return Encoding.UTF8.GetBytes(review.Insert(at, annotations.ToString()));
    }
}

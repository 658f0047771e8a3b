using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using DeadlineGuard.Observability;
using DeadlineGuard.Tests.Support.FakeKube;
using Microsoft.Extensions.DependencyInjection;
using static DeadlineGuard.Tests.Reconciler.ReconcilerHosts;
using static DeadlineGuard.Tests.Reconciler.RolloutObjects;

namespace DeadlineGuard.Tests.Reconciler;

/// <summary>
/// <c>webhook reconcile</c> end to end against the fake API server, in real time: the stuck revision 4 of the seed is
/// aborted with its Event, everything else is left alone, dry run changes nothing.
/// </summary>
public sealed class ReconcileCommandTests : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    private readonly string folder = Directory.CreateTempSubdirectory("reconcile-").FullName;

    [Fact]
    public async Task Webhook_reconcile_aborts_only_the_stuck_rollout_emits_the_event_serves_its_probes_and_exits_cleanly_on_sigterm()
    {
        await using var kube = await FakeKubeApiServer.StartAsync();
        var now = DateTimeOffset.UtcNow;
        var (stuck, others) = Cluster(now.AddHours(-1), now.AddSeconds(-5));
        kube.Seed(stuck);
        var seeded = others.Select(kube.Seed).ToList();
        var kubeconfig = Path.Combine(folder, "kubeconfig");
        File.WriteAllText(kubeconfig, $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: fake
              cluster:
                server: {kube.Url}
            users:
            - name: reconciler
              user:
                token: fake-token
            contexts:
            - name: fake
              context:
                cluster: fake
                user: reconciler
            current-context: fake
            """);

        using var webhook = WebhookProcess.Start(
            ["reconcile", "--urls", "http://127.0.0.1:0", "--Reconciler:LeaderElection=false", "--Reconciler:GraceSeconds=0"],
            new Dictionary<string, string?> { ["KUBECONFIG"] = kubeconfig, ["POD_NAMESPACE"] = null, ["POD_NAME"] = null, ["KUBERNETES_SERVICE_HOST"] = null });
        var url = await webhook.ListeningAsync(Wait);

        var patch = await kube.WaitForRequestAsync(IsStatusPatch, Wait);
        var post = await kube.WaitForRequestAsync(IsEventPost, Wait);
        using var http = new HttpClient { BaseAddress = new Uri(url) };
        var ready = await ProbeAsync(http, "/readyz", Wait);
        var metrics = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        var health = await http.GetStringAsync(new Uri("/healthz", UriKind.Relative));

        patch.Path.ShouldBe(StatusPath("shop", "checkout"));
        JsonNode.DeepEquals(JsonNode.Parse(patch.Body), JsonNode.Parse("""{"status":{"abort":true}}""")).ShouldBeTrue(patch.Body);
        var ev = JsonNode.Parse(post.Body)!;
        ev["regarding"]!["name"]!.GetValue<string>().ShouldBe("checkout");
        ev["reason"]!.GetValue<string>().ShouldBe("ProgressDeadlineExceeded");
        ev["type"]!.GetValue<string>().ShouldBe("Warning");
        ev["note"]!.GetValue<string>().ShouldContain("revision 4");
        kube.Requests.Where(IsWrite).ShouldBe([patch, post], "one abort, one Event, nothing else written");
        kube.Get("rollouts", "shop", "checkout")!["status"]!["abort"]!.GetValue<bool>().ShouldBeTrue();
        ShouldBeUntouched(kube, seeded);
        ready.ShouldBe((200, "ready\n"));
        health.ShouldBe("ok\n");
        metrics.ShouldContain("""deadline_guard_reconciler_actions_total{action="Aborted",result="success"} 1""");
        metrics.ShouldContain("deadline_guard_reconciler_synced 1");
        await kube.WaitForWatchAsync(1, Wait);
        var reads = kube.Requests.Where(r => r.Method == "GET" && r.Path == "/apis/argoproj.io/v1alpha1/rollouts").ToList();
        reads.ShouldContain(r => r.IsWatch, "the watch is open");
        reads.ShouldAllBe(r => r.Authorization == "Bearer fake-token", "the streamed list and watch carry the kubeconfig's credentials");
        patch.Authorization.ShouldBe("Bearer fake-token");

        var exit = await webhook.TerminateAsync(Wait);
        exit.ShouldBe(0, webhook.Output);
        webhook.Output.ShouldContain("Application is shutting down");
    }

    [Fact]
    public async Task Dry_run_reports_would_abort_and_changes_nothing()
    {
        await using var kube = await FakeKubeApiServer.StartAsync();
        var now = DateTimeOffset.UtcNow;
        var (stuck, others) = Cluster(now.AddHours(-1), now.AddSeconds(-5));
        var seeded = new[] { stuck }.Concat(others).Select(kube.Seed).ToList();
        await using var app = Build(kube.Client, "--Reconciler:LeaderElection=false", "--Reconciler:GraceSeconds=0", "--Reconciler:DryRun=true");
        await app.StartAsync();
        try
        {
            var post = await kube.WaitForRequestAsync(IsEventPost, Wait);
            using var http = new HttpClient { BaseAddress = new Uri(app.Urls.Single()) };
            var ready = await ProbeAsync(http, "/readyz", Wait);

            var ev = JsonNode.Parse(post.Body)!;
            ev["regarding"]!["name"]!.GetValue<string>().ShouldBe("checkout");
            ev["action"]!.GetValue<string>().ShouldBe("WouldAbort");
            ev["note"]!.GetValue<string>().ShouldContain("dry run: nothing changed");
            ready.Status.ShouldBe(200);
            kube.Requests.Where(IsWrite).ShouldBe([post], "dry run writes nothing but its Event");
            ShouldBeUntouched(kube, seeded);
            app.Services.GetRequiredService<Readiness>().IsReady.ShouldBeTrue();
        }
        finally
        {
            await app.StopAsync();
        }
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);

    /// <summary>The built program (Webhook.dll beside the tests) in a child process, its output collected.</summary>
    private sealed class WebhookProcess : IDisposable
    {
        private readonly Process process;
        private readonly ConcurrentQueue<string> lines = new();
        private readonly TaskCompletionSource<string> listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

        private WebhookProcess(Process process) => this.process = process;

        public string Output => string.Join(Environment.NewLine, lines);

        public static WebhookProcess Start(string[] args, Dictionary<string, string?> environment)
        {
            var host = Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "dotnet";
            var start = new ProcessStartInfo(host)
            {
                WorkingDirectory = AppContext.BaseDirectory,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Webhook.dll"));
            foreach (var arg in args)
            {
                start.ArgumentList.Add(arg);
            }

            foreach (var (name, value) in environment)
            {
                if (value is null)
                {
                    start.Environment.Remove(name);
                }
                else
                {
                    start.Environment[name] = value;
                }
            }

            var webhook = new WebhookProcess(new Process { StartInfo = start });
            webhook.process.OutputDataReceived += (_, e) => webhook.OnLine(e.Data);
            webhook.process.ErrorDataReceived += (_, e) => webhook.OnLine(e.Data);
            webhook.process.Start();
            webhook.process.BeginOutputReadLine();
            webhook.process.BeginErrorReadLine();
            return webhook;
        }

        /// <summary>The address from the host's "Now listening on" log event.</summary>
        public async Task<string> ListeningAsync(TimeSpan timeout)
        {
            var exited = process.WaitForExitAsync();
            var first = await Task.WhenAny(listening.Task, exited).WaitAsync(timeout);
            first.ShouldBe(listening.Task, $"the program exited before it listened:{Environment.NewLine}{Output}");
            return await listening.Task;
        }

        /// <summary>SIGTERM, as the kubelet sends; the exit code.</summary>
        public async Task<int> TerminateAsync(TimeSpan timeout)
        {
            using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            await process.WaitForExitAsync().WaitAsync(timeout);
            return process.ExitCode;
        }

        public void Dispose()
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
            }

            process.Dispose();
        }

        private void OnLine(string? line)
        {
            if (line is null)
            {
                return;
            }

            lines.Enqueue(line);
            try
            {
                if (JsonNode.Parse(line) is JsonObject log
                    && (log["@mt"] ?? log["@m"])?.GetValue<string>() is { } message && message.StartsWith("Now listening on:", StringComparison.Ordinal)
                    && log["address"]?.GetValue<string>() is { } address)
                {
                    listening.TrySetResult(address);
                }
            }
            catch (JsonException)
            {
                // not a log event
            }
        }
    }
}

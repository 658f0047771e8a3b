using System.Text.Json.Nodes;
using DeadlineGuard.ClusterAccess;
using DeadlineGuard.Hosting;
using DeadlineGuard.Observability;
using DeadlineGuard.Tests.Support;
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
        var seeded = SeedTheCluster(kube);
        var kubeconfig = Kubeconfig(kube.Url);

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
        metrics.ShouldContain("""deadline_guard_reconciler_actions_total{action="Aborted",result="success",kind="deadline"} 1""");
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

    [Fact]
    public async Task Without_any_cluster_configuration_reconcile_exits_two_with_one_line_naming_what_is_missing()
    {
        var home = Directory.CreateDirectory(Path.Combine(folder, "home")).FullName;

        var (line, _) = await ExitsTwoAsync(["--urls", "http://127.0.0.1:0", "--Reconciler:LeaseNamespace=deadline-guard"], ("HOME", home));

        line.ShouldStartWith("webhook: bad configuration, nothing served: no Kubernetes configuration: ");
        line.ShouldContain("no in-cluster service account (KUBERNETES_SERVICE_HOST is unset)");
        line.ShouldContain($"KUBECONFIG is unset and {home}/.kube/config does not exist");
        line.ShouldContain("set KUBECONFIG");
    }

    [Fact]
    public async Task An_api_server_that_does_not_answer_at_start_is_retried_for_the_startup_timeout_then_reconcile_exits_two()
    {
        var closed = ClosedLoopbackPort();

        var (line, logged) = await ExitsTwoAsync(
            ["--urls", "http://127.0.0.1:0", "--Reconciler:LeaseNamespace=deadline-guard", "--Kubernetes:StartupTimeoutSeconds=2"],
            ("KUBECONFIG", Kubeconfig($"https://127.0.0.1:{closed}")));

        line.ShouldStartWith($"webhook: bad configuration, nothing served: the API server at https://127.0.0.1:{closed} is not reachable (Connection refused");
        line.ShouldContain("check that the cluster is up and that the kubeconfig's server address is right");
        logged.Count(l => l.Contains("\"EventId\":{\"Id\":28", StringComparison.Ordinal)).ShouldBeGreaterThanOrEqualTo(1, "each retry is logged");
    }

    [Theory]
    [InlineData("apiVersion: v1\nclusters: [\n", "While parsing a node, did not find expected node content. (line 3, column 1)")]
    [InlineData("apiVersion: v1\nkind: Config\ncurrent-context: nowhere\n", "CurrentContext: nowhere not found in contexts in kubeconfig")]
    [InlineData("apiVersion: v1\nkind: Config\n", "Cannot infer server host url either from context or masterUrl")]
    public async Task A_kubeconfig_that_cannot_be_used_exits_two_naming_the_file_and_the_problem(string content, string problem)
    {
        var kubeconfig = Path.Combine(folder, "broken-kubeconfig");
        File.WriteAllText(kubeconfig, content);

        var (line, _) = await ExitsTwoAsync(["--urls", "http://127.0.0.1:0", "--Reconciler:LeaseNamespace=deadline-guard"], ("KUBECONFIG", kubeconfig));

        line.ShouldBe($"webhook: bad configuration, nothing served: the kubeconfig {kubeconfig} (KUBECONFIG) cannot be used: {problem}");
    }

    [Fact]
    public async Task A_port_already_in_use_stops_reconcile_with_exit_two_and_one_line()
    {
        await using var kube = await FakeKubeApiServer.StartAsync();
        using var busy = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        busy.Start();
        var port = ((System.Net.IPEndPoint)busy.LocalEndpoint).Port;

        var (line, _) = await ExitsTwoAsync(["--urls", $"http://127.0.0.1:{port}", "--Reconciler:LeaderElection=false"], ("KUBECONFIG", Kubeconfig(kube.Url)));

        line.ShouldBe(
            $"webhook: bad configuration, nothing served: cannot listen: Failed to bind to address http://127.0.0.1:{port}: address already in use " +
            "(another process holds the port, or it needs privileges; choose another with --urls)");
    }

    [Fact]
    public async Task After_start_api_failures_are_retried_and_reconcile_keeps_running()
    {
        await using var kube = await FakeKubeApiServer.StartAsync();
        using var webhook = WebhookProcess.Start(
            ["reconcile", "--urls", "http://127.0.0.1:0", "--Reconciler:LeaderElection=false", "--Reconciler:MaxBackoffSeconds=1"],
            NoCluster(("KUBECONFIG", Kubeconfig(kube.Url))));
        await webhook.ListeningAsync(Wait);
        await kube.WaitForWatchAsync(1, Wait);

        // The API server fails the next requests (an upgrade of the control plane) and ends the open watch.
        var mark = kube.Requests.Count;
        kube.FailNext(4, statusCode: 503);
        kube.EndWatches();
        await kube.WaitForWatchAsync(2, Wait);

        webhook.HasExited.ShouldBeFalse(webhook.Output);
        kube.Requests.Count(r => r.Sequence > mark).ShouldBeGreaterThanOrEqualTo(5, "four failed requests, then the ones that reopened the watch");
        (await webhook.TerminateAsync(Wait)).ShouldBe(0, webhook.Output);
    }

    [Theory]
    [InlineData("/etc/kubeconfig", true, true, KubernetesAccess.Source.KubeconfigVariable)]
    [InlineData("", true, true, KubernetesAccess.Source.KubeconfigFile)]
    [InlineData(null, false, true, KubernetesAccess.Source.InCluster)]
    [InlineData(null, false, false, KubernetesAccess.Source.None)]
    [InlineData("", false, false, KubernetesAccess.Source.None)]
    public void The_configuration_comes_from_kubeconfig_then_the_default_file_then_the_service_account(
        string? variable, bool defaultFileExists, bool inCluster, KubernetesAccess.Source expected) =>
        KubernetesAccess.Choose(variable, defaultFileExists, inCluster).ShouldBe(expected);

    public static TheoryData<System.Net.HttpStatusCode?, Exception?, KubernetesStartupCheck.Verdict> Answers() => new()
    {
        { System.Net.HttpStatusCode.OK, null, KubernetesStartupCheck.Verdict.Reachable },
        { System.Net.HttpStatusCode.Forbidden, null, KubernetesStartupCheck.Verdict.Reachable },
        { System.Net.HttpStatusCode.NotFound, null, KubernetesStartupCheck.Verdict.Reachable },
        { System.Net.HttpStatusCode.Unauthorized, null, KubernetesStartupCheck.Verdict.Fail },
        { System.Net.HttpStatusCode.ServiceUnavailable, null, KubernetesStartupCheck.Verdict.Retry },
        { null, new HttpRequestException("Connection refused (10.96.0.1:443)"), KubernetesStartupCheck.Verdict.Retry },
        { null, new HttpRequestException("The SSL connection could not be established", new System.Security.Authentication.AuthenticationException("untrusted root")), KubernetesStartupCheck.Verdict.Fail },
        { null, new TaskCanceledException(), KubernetesStartupCheck.Verdict.Retry },
    };

    [Theory]
    [MemberData(nameof(Answers))]
    public void At_start_only_an_api_server_that_may_still_come_up_is_asked_again(System.Net.HttpStatusCode? status, Exception? failure, KubernetesStartupCheck.Verdict expected) =>
        KubernetesStartupCheck.Classify(status, failure).Verdict.ShouldBe(expected);

    public void Dispose() => Directory.Delete(folder, recursive: true);

    /// <summary>
    /// <c>webhook reconcile</c> with <paramref name="arguments"/> on a machine with no cluster but <paramref name="settings"/>:
    /// it must exit 2 with one line on stderr and no stack trace. Returns that line and what it wrote to stdout.
    /// </summary>
    private static async Task<(string Line, IReadOnlyList<string> Logged)> ExitsTwoAsync(string[] arguments, params (string Name, string? Value)[] settings)
    {
        var (exit, run) = await WebhookProcess.RunAsync(["reconcile", .. arguments], NoCluster(settings), Wait);
        using var process = run;
        exit.ShouldBe(2, process.Output);
        ShouldHaveNoStackTrace(process);
        return (process.StandardError.ShouldHaveSingleItem(), process.StandardOutput);
    }

    /// <summary>The environment of a machine with no cluster at all, plus the given settings.</summary>
    private static Dictionary<string, string?> NoCluster(params (string Name, string? Value)[] settings)
    {
        var environment = new Dictionary<string, string?>
        {
            ["KUBECONFIG"] = null,
            ["KUBERNETES_SERVICE_HOST"] = null,
            ["KUBERNETES_SERVICE_PORT"] = null,
            ["POD_NAMESPACE"] = null,
            ["POD_NAME"] = null,
        };
        foreach (var (name, value) in settings)
        {
            environment[name] = value;
        }

        return environment;
    }

    private static int ClosedLoopbackPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static void ShouldHaveNoStackTrace(WebhookProcess process)
    {
        process.Output.ShouldNotContain("   at ", Case.Sensitive, "no stack trace");
        process.Output.ShouldNotContain("\"@x\"", Case.Sensitive, "no logged exception");
        process.Output.ShouldNotContain("Unhandled exception", Case.Sensitive);
    }

    private string Kubeconfig(string server) => FakeKubeconfig.Write(folder, server, new KubeContext("fake", User: "reconciler"));
}

using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using DeadlineGuard.Cli;
using DeadlineGuard.ClusterAccess;
using DeadlineGuard.Hosting;
using DeadlineGuard.Tests.Support;
using DeadlineGuard.Tests.Support.FakeKube;

namespace DeadlineGuard.Tests.Cli;

/// <summary>
/// <c>history rollout/NAME</c> against the loopback fake API server, through the real KubernetesClient and a real
/// kubeconfig file, as kubectl would read it: the namespace from -n, else the context's, else default; --context
/// choosing another context; every failure one line and exit code 2.
/// </summary>
public sealed class HistoryFromClusterTests : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    private readonly string _folder = Directory.CreateTempSubdirectory("history-cluster-").FullName;
    private FakeKubeApiServer _kube = null!;

    public async Task InitializeAsync()
    {
        _kube = await FakeKubeApiServer.StartAsync();
        _kube.Seed(RolloutWithHistory("checkout", "shop"));
        _kube.Seed(RolloutWithHistory("checkout", "team-b"));
        _kube.Seed(RolloutWithHistory("web", "default"));
    }

    public async Task DisposeAsync()
    {
        await _kube.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    /// <summary>A Rollout with two revisions recorded, as the webhook would have written them.</summary>
    private static JsonObject RolloutWithHistory(string name, string ns)
    {
        var api = new ApiServer();
        var rollout = Reviews.Rollout();
        rollout["metadata"]!["name"] = name;
        rollout["metadata"]!["namespace"] = ns;
        api.Create(rollout, "alice@example.com");
        api.Clock.Advance(TimeSpan.FromMinutes(3));
        api.Update(r => r["spec"]!["template"]!["spec"]!["containers"]![0]!["image"] = "argoproj/rollouts-demo:yellow", "bob@example.com");
        var stored = api.Stored!.DeepClone().AsObject();
        var metadata = stored["metadata"]!.AsObject();
        foreach (var field in new[] { "uid", "resourceVersion", "creationTimestamp", "generation" })
        {
            metadata.Remove(field);
        }

        return stored;
    }

    /// <summary>A kubeconfig with two contexts on the fake: "a" (namespace shop, the current one) and "b" (namespace team-b).</summary>
    private string Kubeconfig(string server, string? currentNamespace = "shop") =>
        FakeKubeconfig.Write(_folder, server, new KubeContext("a", currentNamespace), new KubeContext("b", "team-b"));

    private static async Task<(int Exit, string Out, string Err)> History(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await Commands.RunAsync(["history", .. args], new StringReader(string.Empty), output, error).WaitAsync(Wait);
        return (exit, output.ToString(), error.ToString());
    }

    private IEnumerable<string> RolloutReads() =>
        _kube.Requests.Where(r => r.Method == "GET" && r.Path.StartsWith("/apis/argoproj.io/v1alpha1/", StringComparison.Ordinal)).Select(r => r.Path);

    [Theory]
    [InlineData("rollout/checkout")]
    [InlineData("rollouts/checkout")]
    [InlineData("ro/checkout")]
    [InlineData("rollout.argoproj.io/checkout")]
    [InlineData("checkout")]
    public async Task A_rollout_named_as_kubectl_names_it_is_read_from_the_cluster(string target)
    {
        var (exit, output, error) = await History(target, "-n", "shop", "--kubeconfig", Kubeconfig(_kube.Url));

        error.ShouldBeEmpty();
        exit.ShouldBe(Commands.Ok);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines[0].ShouldBe("Rollout shop/checkout: 2 revisions recorded");
        lines[2].ShouldStartWith("1    2026-11-27T10:00:00Z  alice@example.com  CREATE  create    600s      yes    ");
        lines[3].ShouldEndWith("argoproj/rollouts-demo:yellow");
        RolloutReads().ShouldBe(["/apis/argoproj.io/v1alpha1/namespaces/shop/rollouts/checkout"]);
    }

    [Fact]
    public async Task Json_output_carries_every_entry_for_scripts()
    {
        var (exit, output, _) = await History("rollout/checkout", "-n", "shop", "-o", "json", "--kubeconfig", Kubeconfig(_kube.Url));

        exit.ShouldBe(Commands.Ok);
        var rollout = JsonNode.Parse(output)!["rollouts"]!.AsArray().ShouldHaveSingleItem()!;
        rollout["namespace"]!.GetValue<string>().ShouldBe("shop");
        rollout["name"]!.GetValue<string>().ShouldBe("checkout");
        var entries = rollout["entries"]!.AsArray();
        entries.Select(e => e!["seq"]!.GetValue<long>()).ShouldBe([1L, 2L]);
        entries[1]!["by"]!.GetValue<string>().ShouldBe("bob@example.com");
        entries[1]!["trigger"]!.GetValue<string>().ShouldBe("template");
        entries[1]!["at"]!.GetValue<string>().ShouldBe("2026-11-27T10:03:00Z");
        entries[1]!["deadlineSeconds"]!.GetValue<int>().ShouldBe(600);
        entries[1]!["abort"]!.GetValue<bool>().ShouldBeTrue();
        entries[1]!["images"]!.AsArray().Select(i => i!.GetValue<string>()).ShouldBe(["argoproj/rollouts-demo:yellow"]);
        entries[1]!["fingerprint"]!.GetValue<string>().Length.ShouldBe(16);
    }

    [Theory]
    [InlineData(new string[0], "shop")]
    [InlineData(new[] { "--context", "b" }, "team-b")]
    [InlineData(new[] { "--context", "b", "-n", "shop" }, "shop")]
    [InlineData(new[] { "--namespace=team-b" }, "team-b")]
    public async Task The_namespace_is_the_flag_else_the_contexts(string[] flags, string ns)
    {
        var (exit, output, error) = await History(["rollout/checkout", "--kubeconfig", Kubeconfig(_kube.Url), .. flags]);

        exit.ShouldBe(Commands.Ok, error);
        output.ShouldStartWith($"Rollout {ns}/checkout: 2 revisions recorded");
        RolloutReads().ShouldBe([$"/apis/argoproj.io/v1alpha1/namespaces/{ns}/rollouts/checkout"]);
    }

    [Fact]
    public async Task A_context_without_a_namespace_reads_the_default_namespace()
    {
        var (exit, output, _) = await History("web", "--kubeconfig", Kubeconfig(_kube.Url, currentNamespace: null));

        exit.ShouldBe(Commands.Ok);
        output.ShouldStartWith("Rollout default/web: 2 revisions recorded");
    }

    [Fact]
    public async Task A_bare_name_that_is_also_a_file_reads_the_file_and_not_the_cluster()
    {
        var folder = Directory.CreateDirectory(Path.Combine(_folder, "work")).FullName;
        await File.WriteAllTextAsync(Path.Combine(folder, "checkout"), RolloutWithHistory("from-file", "files").ToJsonString());

        // A child process, so that the bare name is relative to a working directory of the test's own.
        using var program = WebhookProcess.Start(["history", "checkout", "--kubeconfig", Kubeconfig(_kube.Url)], workingDirectory: folder);
        var exit = await program.ExitAsync(Wait);

        exit.ShouldBe(0, program.Output);
        program.StandardOutput[0].ShouldBe("Rollout files/from-file: 2 revisions recorded");
        RolloutReads().ShouldBeEmpty();
    }

    [Fact]
    public async Task A_rollout_that_does_not_exist_is_one_line_naming_namespace_and_name()
    {
        var (exit, output, error) = await History("rollout/missing", "-n", "shop", "--kubeconfig", Kubeconfig(_kube.Url));

        exit.ShouldBe(Commands.Usage);
        output.ShouldBeEmpty();
        error.ShouldBe($"webhook history: Rollout shop/missing not found{Environment.NewLine}");
    }

    [Fact]
    public async Task A_refused_read_is_one_line_naming_the_verb_the_resource_and_the_namespace()
    {
        // The API server's authorizer refuses before routing, with a Status naming the user (k8s.io/apiserver filters/authorization.go).
        _kube.Authorizer = r => r.Path.Contains("/rollouts/", StringComparison.Ordinal)
            ? """rollouts.argoproj.io "checkout" is forbidden: User "system:serviceaccount:ci:reader" cannot get resource "rollouts" in API group "argoproj.io" in the namespace "shop" """.TrimEnd()
            : null;

        var (exit, _, error) = await History("rollout/checkout", "-n", "shop", "--kubeconfig", Kubeconfig(_kube.Url));

        exit.ShouldBe(Commands.Usage);
        error.ShouldBe(
            "webhook history: not allowed to get rollouts.argoproj.io in namespace shop: rollouts.argoproj.io \"checkout\" is forbidden: " +
            $"User \"system:serviceaccount:ci:reader\" cannot get resource \"rollouts\" in API group \"argoproj.io\" in the namespace \"shop\"{Environment.NewLine}");
    }

    [Fact]
    public async Task An_unreachable_api_server_is_one_line_and_exit_two()
    {
        var closed = ClosedLoopbackPort();

        var (exit, _, error) = await History("rollout/checkout", "--kubeconfig", Kubeconfig($"https://127.0.0.1:{closed}"));

        exit.ShouldBe(Commands.Usage);
        error.ShouldStartWith($"webhook history: the API server at https://127.0.0.1:{closed} is not reachable (Connection refused");
        error.TrimEnd().ShouldNotContain('\n');
    }

    [Theory]
    [InlineData(new[] { "--context", "nowhere" }, "cannot be used: ")]
    [InlineData(new[] { "--kubeconfig", "/nonexistent/kubeconfig" }, "the kubeconfig /nonexistent/kubeconfig (--kubeconfig) cannot be used: ")]
    public async Task A_context_or_kubeconfig_that_cannot_be_used_is_one_line(string[] flags, string message)
    {
        var (exit, _, error) = await History(["rollout/checkout", .. flags.Contains("--kubeconfig") ? flags : ["--kubeconfig", Kubeconfig(_kube.Url), .. flags]]);

        exit.ShouldBe(Commands.Usage);
        error.ShouldStartWith("webhook history: ");
        error.ShouldContain(message);
        error.TrimEnd().ShouldNotContain('\n');
        RolloutReads().ShouldBeEmpty();
    }

    [Fact]
    public async Task A_name_that_cannot_be_a_rollout_is_a_usage_error_without_a_request()
    {
        var (exit, _, error) = await History("rollout/Checkout_1", "--kubeconfig", Kubeconfig(_kube.Url));

        exit.ShouldBe(Commands.Usage);
        error.ShouldStartWith("webhook history: 'Checkout_1' is not a Rollout name");
        RolloutReads().ShouldBeEmpty();
    }

    [Fact]
    public async Task The_built_program_reads_the_kubeconfig_from_KUBECONFIG_and_fails_without_a_stack_trace()
    {
        var home = Directory.CreateDirectory(Path.Combine(_folder, "home")).FullName;
        var environment = new Dictionary<string, string?> { ["HOME"] = home, ["KUBERNETES_SERVICE_HOST"] = null };

        var (found, run) = await WebhookProcess.RunAsync(["history", "ro/checkout"], new Dictionary<string, string?>(environment) { ["KUBECONFIG"] = Kubeconfig(_kube.Url) }, Wait);
        using (var process = run)
        {
            found.ShouldBe(0, process.Output);
            process.StandardOutput[0].ShouldBe("Rollout shop/checkout: 2 revisions recorded");
        }

        var (missing, failed) = await WebhookProcess.RunAsync(["history", "ro/gone"], new Dictionary<string, string?>(environment) { ["KUBECONFIG"] = Kubeconfig(_kube.Url) }, Wait);
        using (var process = failed)
        {
            missing.ShouldBe(2, process.Output);
            process.StandardError.ShouldBe(["webhook history: Rollout shop/gone not found"]);
            process.Output.ShouldNotContain("   at ", Case.Sensitive);
        }

        var (none, nothing) = await WebhookProcess.RunAsync(["history", "ro/checkout"], new Dictionary<string, string?>(environment) { ["KUBECONFIG"] = null }, Wait);
        using (var process = nothing)
        {
            none.ShouldBe(2, process.Output);
            process.StandardError.ShouldHaveSingleItem().ShouldStartWith("webhook history: no Kubernetes configuration: ");
        }
    }

    [Fact]
    public async Task A_context_from_the_second_file_of_a_KUBECONFIG_list_is_found_and_the_first_file_names_the_current_one()
    {
        var first = Path.Combine(_folder, "first");
        var second = Path.Combine(_folder, "second");
        await File.WriteAllTextAsync(first, FakeKubeconfig.Text(_kube.Url, new KubeContext("a", "shop")));
        await File.WriteAllTextAsync(second, """
            apiVersion: v1
            kind: Config
            contexts:
            - name: b
              context: {cluster: fake, user: reader, namespace: team-b}
            - name: a
              context: {cluster: elsewhere, user: nobody, namespace: nowhere}
            current-context: b
            """);
        var environment = new Dictionary<string, string?> { ["KUBECONFIG"] = $"{first}:{second}", ["KUBERNETES_SERVICE_HOST"] = null };

        var (current, run) = await WebhookProcess.RunAsync(["history", "ro/checkout"], environment, Wait);
        using (var process = run)
        {
            current.ShouldBe(0, process.Output);
            process.StandardOutput[0].ShouldBe("Rollout shop/checkout: 2 revisions recorded");
        }

        var (chosen, other) = await WebhookProcess.RunAsync(["history", "ro/checkout", "--context", "b"], environment, Wait);
        using (var process = other)
        {
            chosen.ShouldBe(0, process.Output);
            process.StandardOutput[0].ShouldBe("Rollout team-b/checkout: 2 revisions recorded");
        }

        var (firstWins, same) = await WebhookProcess.RunAsync(["history", "ro/checkout", "--context", "a"], environment, Wait);
        using (var process = same)
        {
            firstWins.ShouldBe(0, process.Output);
            process.StandardOutput[0].ShouldBe("Rollout shop/checkout: 2 revisions recorded", "the first file's context a, not the second's");
        }
    }

    [Theory]
    [InlineData("/tmp/flag", "/etc/kubeconfig", true, true, KubernetesAccess.Source.KubeconfigFlag)]
    [InlineData(null, "/etc/kubeconfig", true, true, KubernetesAccess.Source.KubeconfigVariable)]
    [InlineData("", "", true, true, KubernetesAccess.Source.KubeconfigFile)]
    [InlineData(null, null, false, true, KubernetesAccess.Source.InCluster)]
    [InlineData(null, null, false, false, KubernetesAccess.Source.None)]
    public void The_kubeconfig_flag_comes_first_then_kubectls_order(string? flag, string? variable, bool defaultFileExists, bool inCluster, KubernetesAccess.Source expected) =>
        KubernetesAccess.Choose(flag, variable, defaultFileExists, inCluster).ShouldBe(expected);

    [Theory]
    [InlineData(HttpStatusCode.NotFound, """{"kind":"Status","message":"rollouts.argoproj.io \"web\" not found","reason":"NotFound","code":404}""", "Rollout shop/web not found")]
    [InlineData(HttpStatusCode.NotFound, """{"kind":"Status","message":"the server could not find the requested resource","reason":"NotFound","code":404}""",
        "the API server at https://k does not serve rollouts.argoproj.io/v1alpha1 (the server could not find the requested resource); is Argo Rollouts installed in this cluster?")]
    [InlineData(HttpStatusCode.NotFound, "404 page not found", "the API server at https://k does not serve rollouts.argoproj.io/v1alpha1 (404 page not found); is Argo Rollouts installed in this cluster?")]
    [InlineData(HttpStatusCode.Forbidden, "", "not allowed to get rollouts.argoproj.io in namespace shop: 403 Forbidden")]
    [InlineData(HttpStatusCode.Unauthorized, """{"kind":"Status","message":"Unauthorized","code":401}""",
        "the API server at https://k refused the credentials (401 Unauthorized); check the kubeconfig's user, or the service account token")]
    [InlineData(HttpStatusCode.ServiceUnavailable, """{"kind":"Status","message":"etcd\nleader changed","code":503}""",
        "the API server at https://k answered 503 ServiceUnavailable to the read of Rollout shop/web: etcd leader changed")]
    public void Each_answer_other_than_ok_is_described_in_one_line(HttpStatusCode status, string body, string line) =>
        ClusterRolloutReader.Describe(status, body, "https://k", "shop", "web").ShouldBe(line);

    private static int ClosedLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

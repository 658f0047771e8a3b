using System.Text.Json.Nodes;
using DeadlineGuard.Cli;
using DeadlineGuard.Reconciler;
using DeadlineGuard.Tests.Reconciler;
using DeadlineGuard.Tests.Support.FakeKube;
using Microsoft.Extensions.Time.Testing;

namespace DeadlineGuard.Tests.RolloutStatus;

/// <summary>
/// <c>status</c> against the loopback fake API server, through the real KubernetesClient and a kubeconfig file: the
/// verdicts of the reconciler's judge for a cluster covering every judge case, in all three outputs, and the exit codes.
/// </summary>
public sealed class StatusCommandTests : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    private readonly string _folder = Directory.CreateTempSubdirectory("status-").FullName;
    private readonly FakeTimeProvider _clock = new(StatusRollouts.Now);
    private FakeKubeApiServer _kube = null!;
    private string _kubeconfig = null!;
    private string _gatedPolicy = null!;

    public async Task InitializeAsync()
    {
        _kube = await FakeKubeApiServer.StartAsync();
        foreach (var rollout in StatusRollouts.All)
        {
            _kube.Seed(rollout.Make());
        }

        _kubeconfig = StatusKubeconfig.Write(_folder, _kube.Url, "shop");
        _gatedPolicy = Path.Combine(_folder, "gated.yaml");
        await File.WriteAllTextAsync(_gatedPolicy, StatusRollouts.GatedPolicy);
    }

    public async Task DisposeAsync()
    {
        await _kube.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    private async Task<(int Exit, string Out, string Err)> Status(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var context = new CommandContext(new StringReader(string.Empty), output, error, ProgramName.Default) { Time = _clock };
        var exit = await CommandLine.RunAsync(["status", "--kubeconfig", _kubeconfig, .. args], context).WaitAsync(Wait);
        return (exit, output.ToString(), error.ToString());
    }

    private static JsonObject Row(JsonNode json, string ns, string name) =>
        json["rollouts"]!.AsArray().OfType<JsonObject>().Single(r => r["namespace"]!.GetValue<string>() == ns && r["name"]!.GetValue<string>() == name);

    [Theory]
    [MemberData(nameof(StatusRollouts.Names), MemberType = typeof(StatusRollouts))]
    public async Task Json_gives_each_rollout_the_verdict_of_the_reconcilers_judge(string key)
    {
        var expected = StatusRollouts.Named(key);

        var (exit, output, error) = await Status("-A", "-o", "json", "--policy", _gatedPolicy);

        exit.ShouldBe(Commands.Ok, error);
        var row = Row(JsonNode.Parse(output)!, expected.Namespace, expected.Name);
        row["verdict"]!.GetValue<string>().ShouldBe(expected.Verdict.ToString().ToLowerInvariant(), row.ToJsonString());
        row["reason"]!.GetValue<string>().ShouldContain(expected.Reason);
        row["limit"]?.GetValue<string>().ShouldBe(expected.Limit);
        row["pause"]?["limitState"]!.GetValue<string>().ShouldBe(expected.PauseLimit, row.ToJsonString());
    }

    [Theory]
    [MemberData(nameof(StatusRollouts.Names), MemberType = typeof(StatusRollouts))]
    public async Task The_table_gives_each_rollout_its_verdict_and_reason(string key)
    {
        var expected = StatusRollouts.Named(key);

        var (exit, output, error) = await Status("-A", "--policy", _gatedPolicy);

        exit.ShouldBe(Commands.Ok, error);
        var table = StatusTable.Parse(output);
        table.Columns.ShouldBe(["NAMESPACE", "NAME", "REVISION", "PHASE", "DEADLINE", "ABORT", "SINCE", "DUE", "VERDICT", "PAUSE", "PAUSE-LIMIT", "PITFALLS", "REASON"]);
        var row = table.Row(expected.Namespace, expected.Name);
        row["VERDICT"].ShouldBe(expected.Verdict.ToString().ToLowerInvariant());
        row["REASON"].ShouldContain(expected.Reason);
        row["PAUSE-LIMIT"].ShouldBe(expected.PauseLimit is null ? "-" : expected.PauseLimit == "off" ? "off" : expected.PauseLimit + "/10m");
        table.Rows.Count.ShouldBe(StatusRollouts.All.Count);
    }

    [Fact]
    public async Task Json_describes_the_stuck_revision_completely()
    {
        var (exit, output, _) = await Status("-n", "shop", "-o", "json");

        exit.ShouldBe(Commands.Ok);
        var json = JsonNode.Parse(output)!;
        json["schemaVersion"]!.GetValue<int>().ShouldBe(1);
        json["kind"]!.GetValue<string>().ShouldBe("RolloutDeadlineStatus");
        json["at"]!.GetValue<string>().ShouldBe("2026-11-27T11:15:00Z");
        json["namespace"]!.GetValue<string>().ShouldBe("shop");
        json["policy"]!.GetValue<string>().ShouldBe("built-in");
        json["graceSeconds"]!.GetValue<int>().ShouldBe(30);
        var shop = StatusRollouts.All.Where(c => c.Namespace == "shop").ToList();
        json["summary"]!["rollouts"]!.GetValue<int>().ShouldBe(shop.Count);
        json["summary"]!["exceeded"]!.GetValue<int>().ShouldBe(shop.Count(c => c.Verdict == VerdictKind.Exceeded));
        json["summary"]!["waiting"]!.GetValue<int>().ShouldBe(shop.Count(c => c.Verdict == VerdictKind.Waiting));
        json["rollouts"]!.AsArray().Select(r => r!["name"]!.GetValue<string>()).ShouldBe(shop.Select(c => c.Name).Order(StringComparer.Ordinal));

        // Revision 4 started at 11:11:38, progress recorded 2 s later; 60 s deadline + 30 s grace: due 11:13:10, 110 s ago.
        var stuck = Row(json, "shop", "checkout");
        stuck["revision"]!.GetValue<int>().ShouldBe(4);
        stuck["phase"]!.GetValue<string>().ShouldBe("Progressing");
        stuck["deadlineSeconds"]!.GetValue<int>().ShouldBe(60);
        stuck["deadlineSource"]!.GetValue<string>().ShouldBe("spec");
        stuck["abort"]!.GetValue<bool>().ShouldBeTrue();
        stuck["recordedDeadlineSeconds"]!.GetValue<int>().ShouldBe(60);
        stuck["progressSince"]!.GetValue<string>().ShouldBe("2026-11-27T11:11:40Z");
        stuck["dueAt"]!.GetValue<string>().ShouldBe("2026-11-27T11:13:10Z");
        stuck["dueInSeconds"]!.GetValue<long>().ShouldBe(-110);
        stuck["verdict"]!.GetValue<string>().ShouldBe("exceeded");
        stuck["reason"]!.GetValue<string>().ShouldBe("no progress since 2026-11-27T11:11:40Z: 60s deadline and 30s grace passed at 2026-11-27T11:13:10Z");
        stuck["limit"]!.GetValue<string>().ShouldBe("deadline");
        stuck["pause"].ShouldBeNull();
        stuck["pitfalls"]!.AsArray().Select(p => p!.GetValue<string>()).ShouldBe(["DG101", "DG102"]);
        stuck["history"]!["state"]!.GetValue<string>().ShouldBe("matched");
        var entry = stuck["history"]!["entry"]!;
        entry["seq"]!.GetValue<int>().ShouldBe(4);
        entry["at"]!.GetValue<string>().ShouldBe("2026-11-27T11:11:38Z");
        entry["by"]!.GetValue<string>().ShouldBe("alice@example.com");
        entry["trigger"]!.GetValue<string>().ShouldBe("template");
        entry["fingerprint"]!.GetValue<string>().Length.ShouldBe(16);
        entry["images"]!.AsArray().Select(i => i!.GetValue<string>()).ShouldBe(["argoproj/rollouts-demo:bad-purple"]);
        stuck["images"]!.AsArray().Select(i => i!.GetValue<string>()).ShouldBe(["argoproj/rollouts-demo:bad-purple"]);

        var waiting = Row(json, "shop", "fresh");
        waiting["dueInSeconds"]!.GetValue<long>().ShouldBe(50);
        waiting["limit"]!.GetValue<string>().ShouldBe("deadline");

        var unset = Row(json, "shop", "argo-default");
        unset["deadlineSeconds"]!.GetValue<int>().ShouldBe(600);
        unset["deadlineSource"]!.GetValue<string>().ShouldBe("argo-default");

        var idle = Row(json, "shop", "cart");
        idle["dueAt"].ShouldBeNull();
        idle["progressSince"].ShouldBeNull();
        idle["limit"].ShouldBeNull();

        var promotion = Row(json, "shop", "search");
        promotion["pause"]!["reason"]!.GetValue<string>().ShouldBe("BlueGreenPause");
        promotion["pause"]!["forSeconds"]!.GetValue<long>().ShouldBe(570);
        promotion["pause"]!["limitState"]!.GetValue<string>().ShouldBe("off");
        promotion["pause"]!["limitSeconds"].ShouldBeNull();
        promotion["pitfalls"]!.AsArray().Select(p => p!.GetValue<string>()).ShouldContain("DG104");
        Row(json, "shop", "payments")["pause"]!["reason"]!.GetValue<string>().ShouldBe("spec.paused");
    }

    [Fact]
    public async Task The_table_says_when_each_falls_due_in_kubectls_short_durations()
    {
        var (exit, output, _) = await Status();

        exit.ShouldBe(Commands.Ok);
        var table = StatusTable.Parse(output);
        table.Columns.ShouldNotContain("NAMESPACE");
        var stuck = table.Row("shop", "checkout");
        stuck["REVISION"].ShouldBe("4");
        stuck["PHASE"].ShouldBe("Progressing");
        stuck["DEADLINE"].ShouldBe("60s");
        stuck["ABORT"].ShouldBe("yes");
        stuck["SINCE"].ShouldBe("3m20s");
        stuck["DUE"].ShouldBe("overdue 110s");
        stuck["PITFALLS"].ShouldBe("DG101,DG102");
        table.Row("shop", "fresh")["DUE"].ShouldBe("in 50s");
        table.Row("shop", "argo-default")["DEADLINE"].ShouldBe("600s*");
        table.Row("shop", "no-abort")["ABORT"].ShouldBe("no");
        table.Row("shop", "cart")["DUE"].ShouldBe("-");
        table.Row("shop", "search")["PAUSE"].ShouldBe("BlueGreenPause 9m30s");
        table.Row("shop", "search")["PAUSE-LIMIT"].ShouldBe("off");
        table.Row("shop", "cart")["PAUSE-LIMIT"].ShouldBe("-");
        table.Rows.ShouldAllBe(r => r["NAME"] != "checkout" || r["REVISION"] == "4");
    }

    [Fact]
    public async Task Wide_adds_the_history_entry_of_the_current_revision_and_its_images()
    {
        var (exit, output, _) = await Status("-o", "wide");

        exit.ShouldBe(Commands.Ok);
        var table = StatusTable.Parse(output);
        table.Columns.ShouldBe(["NAME", "REVISION", "PHASE", "DEADLINE", "ABORT", "SINCE", "DUE", "VERDICT", "PAUSE", "PAUSE-LIMIT", "PITFALLS", "ENTRY", "STARTED", "BY", "FINGERPRINT", "IMAGES", "REASON"]);
        var stuck = table.Row("shop", "checkout");
        stuck["ENTRY"].ShouldBe("4");
        stuck["STARTED"].ShouldBe("2026-11-27T11:11:38Z");
        stuck["BY"].ShouldBe("alice@example.com");
        stuck["FINGERPRINT"].Length.ShouldBe(16);
        stuck["IMAGES"].ShouldBe("argoproj/rollouts-demo:bad-purple");
    }

    [Fact]
    public async Task A_label_selector_goes_to_the_API_server_and_only_what_it_selects_is_printed()
    {
        var (exit, output, _) = await Status("-A", "-l", "app=checkout", "-o", "json");

        exit.ShouldBe(Commands.Ok);
        JsonNode.Parse(output)!["rollouts"]!.AsArray().Select(r => $"{r!["namespace"]}/{r["name"]}").ShouldBe(["kube-system/checkout", "sandbox-load/checkout", "shop/checkout"]);
        _kube.Requests.Where(r => r.Path == "/apis/argoproj.io/v1alpha1/rollouts").ShouldHaveSingleItem().Query.ShouldContain("labelSelector=app%3Dcheckout");
    }

    [Fact]
    public async Task Pages_are_read_until_the_list_ends()
    {
        for (var i = 0; i < 1100; i++)
        {
            _kube.Seed(RolloutObjects.Healthy("bulk", $"r-{i:0000}", StatusRollouts.Now.AddHours(-3)));
        }

        var (exit, output, _) = await Status("-n", "bulk", "-o", "json");

        exit.ShouldBe(Commands.Ok);
        JsonNode.Parse(output)!["summary"]!["idle"]!.GetValue<int>().ShouldBe(1100);
        _kube.Requests.Count(r => r.Path == "/apis/argoproj.io/v1alpha1/namespaces/bulk/rollouts").ShouldBe(3);
    }

    [Fact]
    public async Task Fail_on_exceeded_exits_1_when_any_rollout_is_past_its_deadline()
    {
        (await Status("-n", "shop", "--fail-on", "exceeded")).Exit.ShouldBe(Commands.Failed);
        (await Status("-n", "shop")).Exit.ShouldBe(Commands.Ok);
        (await Status("-n", "sandbox-load", "--fail-on", "exceeded")).Exit.ShouldBe(Commands.Ok);
        (await Status("-A", "-l", "app=cart", "--fail-on", "exceeded", "-o", "json")).Exit.ShouldBe(Commands.Ok);
    }

    [Fact]
    public async Task Fail_on_exceeded_also_counts_a_pause_past_the_pause_limit()
    {
        (await Status("-n", "gated", "-l", "app=promotion-due", "--policy", _gatedPolicy, "--fail-on", "exceeded")).Exit.ShouldBe(Commands.Failed);
        (await Status("-n", "gated", "-l", "app=promotion-fresh", "--policy", _gatedPolicy, "--fail-on", "exceeded")).Exit.ShouldBe(Commands.Ok);
        (await Status("-n", "gated", "-l", "app=promotion-due", "--fail-on", "exceeded")).Exit.ShouldBe(Commands.Ok);
    }

    [Fact]
    public async Task A_pause_under_a_limit_shows_the_limit_its_start_and_when_it_falls_due()
    {
        var (exit, output, error) = await Status("-n", "gated", "--policy", _gatedPolicy, "-o", "json");

        exit.ShouldBe(Commands.Ok, error);
        var json = JsonNode.Parse(output)!;
        var due = Row(json, "gated", "promotion-due");
        due["limit"]!.GetValue<string>().ShouldBe("pause");
        due["dueAt"]!.GetValue<string>().ShouldBe("2026-11-27T11:11:00Z");
        due["dueInSeconds"]!.GetValue<long>().ShouldBe(-240);
        due["progressSince"].ShouldBeNull();
        due["pause"]!.ToJsonString().ShouldBe("""{"reason":"BlueGreenPause","since":"2026-11-27T11:00:30Z","forSeconds":870,"limitSeconds":600,"limitState":"exceeded"}""");
        Row(json, "gated", "held")["pause"]!["limitSeconds"]!.GetValue<int>().ShouldBe(600);

        // Under a pause limit DG104 (an indefinite pause with no pause limit) is not a pitfall any more.
        due["pitfalls"]!.AsArray().Select(p => p!.GetValue<string>()).ShouldNotContain("DG104");
        var (_, unlimited, _) = await Status("-n", "gated", "-l", "app=promotion-due", "-o", "json");
        Row(JsonNode.Parse(unlimited)!, "gated", "promotion-due")["pitfalls"]!.AsArray().Select(p => p!.GetValue<string>()).ShouldContain("DG104");

        var (_, table, _) = await Status("-n", "gated", "--policy", _gatedPolicy);
        var row = StatusTable.Parse(table).Row("gated", "promotion-due");
        row["PAUSE"].ShouldBe("BlueGreenPause 14m");
        row["PAUSE-LIMIT"].ShouldBe("exceeded/10m");
        row["DUE"].ShouldBe("overdue 4m");
        row["SINCE"].ShouldBe("-");
    }

    [Fact]
    public async Task Rollouts_with_odd_status_types_are_judged_as_the_reconciler_judges_them_and_nothing_crashes()
    {
        _kube.Seed(With(RolloutObjects.StuckRevision4("odd", "phase-number", StatusRollouts.Now.AddMinutes(-30)), r =>
        {
            RolloutObjects.Status(r)["phase"] = 7;
            RolloutObjects.Status(r)["conditions"] = "many";
        }));
        _kube.Seed(With(RolloutObjects.AwaitingPromotion("odd", "pause-mapping", StatusRollouts.Now.AddMinutes(-30)), r =>
            RolloutObjects.Status(r)["pauseConditions"] = new JsonObject { ["reason"] = "BlueGreenPause", ["startTime"] = "2026-11-27T10:45:30Z" }));
        _kube.Seed(With(RolloutObjects.CanaryAtPauseStep("odd", "step-text", StatusRollouts.Now.AddMinutes(-30)), r => RolloutObjects.Status(r)["currentStepIndex"] = "1"));
        _kube.Seed(With(RolloutObjects.Healthy("odd", "status-text", StatusRollouts.Now.AddHours(-2)), r => r["status"] = "weird"));

        var policy = Path.Combine(_folder, "odd.yaml");
        await File.WriteAllTextAsync(policy, StatusRollouts.GatedPolicy.Replace("[\"gated\"]", "[\"odd\"]", StringComparison.Ordinal));

        var (exit, output, error) = await Status("-n", "odd", "--policy", policy, "-o", "json", "--fail-on", "exceeded");

        exit.ShouldBe(Commands.Ok, error);
        var json = JsonNode.Parse(output)!;
        var text = json.ToJsonString();
        Row(json, "odd", "phase-number")["verdict"]!.GetValue<string>().ShouldBe("idle", text);
        Row(json, "odd", "pause-mapping")["pause"]!["limitState"]!.GetValue<string>().ShouldBe("unreadable", text);
        Row(json, "odd", "pause-mapping")["reason"]!.GetValue<string>().ShouldBe("paused, left alone: status.pauseConditions is not a list");
        Row(json, "odd", "step-text")["pause"]!["limitState"]!.GetValue<string>().ShouldBe("unreadable", text);
        Row(json, "odd", "step-text")["reason"]!.GetValue<string>().ShouldContain("status.currentStepIndex is not a whole number");
        Row(json, "odd", "status-text")["verdict"]!.GetValue<string>().ShouldBe("idle", text);

        var (tableExit, table, tableError) = await Status("-n", "odd", "--policy", policy);
        tableExit.ShouldBe(Commands.Ok, tableError);
        StatusTable.Parse(table).Rows.Count.ShouldBe(4);
    }

    private static JsonObject With(JsonObject rollout, Action<JsonObject> change)
    {
        change(rollout);
        return rollout;
    }

    [Fact]
    public async Task The_policys_ignored_pitfalls_are_not_listed()
    {
        var policy = Path.Combine(_folder, "ignore.yaml");
        await File.WriteAllTextAsync(policy, """
            apiVersion: deadline-guard.io/v1
            kind: DeadlinePolicy
            spec:
              pitfalls:
                ignore: ["DG102"]
            """);

        var (exit, output, error) = await Status("-n", "shop", "-l", "app=checkout", "--policy", policy, "-o", "json");

        exit.ShouldBe(Commands.Ok, error);
        Row(JsonNode.Parse(output)!, "shop", "checkout")["pitfalls"]!.AsArray().Select(p => p!.GetValue<string>()).ShouldBe(["DG101"]);
    }

    [Fact]
    public async Task The_policy_file_is_the_one_the_judge_applies()
    {
        var policy = Path.Combine(_folder, "policy.yaml");
        await File.WriteAllTextAsync(policy, """
            apiVersion: deadline-guard.io/v1
            kind: DeadlinePolicy
            spec:
              exemptions:
                namespaces: ["shop"]
            """);

        var (exit, output, error) = await Status("-n", "shop", "--policy", policy, "--fail-on", "exceeded", "-o", "json");

        exit.ShouldBe(Commands.Ok, error);
        var json = JsonNode.Parse(output)!;
        json["policy"]!.GetValue<string>().ShouldBe(policy);
        json["rollouts"]!.AsArray().ShouldAllBe(r => r!["reason"]!.GetValue<string>() == "namespace is exempt");
    }

    [Fact]
    public async Task The_grace_is_the_reconcilers_and_can_be_given()
    {
        var (_, output, _) = await Status("-n", "shop", "--grace-seconds", "600", "-o", "json");

        var stuck = Row(JsonNode.Parse(output)!, "shop", "checkout");
        stuck["verdict"]!.GetValue<string>().ShouldBe("waiting");
        stuck["dueAt"]!.GetValue<string>().ShouldBe("2026-11-27T11:22:40Z");
    }

    [Fact]
    public async Task An_empty_namespace_says_so_on_stderr_and_exits_0()
    {
        var (exit, output, error) = await Status("-n", "nothing-here");

        exit.ShouldBe(Commands.Ok);
        output.ShouldBeEmpty();
        error.ShouldBe($"No Rollouts found in namespace nothing-here.{Environment.NewLine}");
    }

    [Fact]
    public async Task The_help_comes_from_the_definition_and_names_every_option()
    {
        var (exit, output, _) = await Status("--help");

        exit.ShouldBe(Commands.Ok);
        output.ShouldStartWith("Usage: webhook status ");
        foreach (var option in new[] { "--namespace", "--all-namespaces", "--selector", "--output", "--fail-on", "--policy", "--grace-seconds", "--kubeconfig", "--context" })
        {
            output.ShouldContain(option);
        }

        output.ShouldContain("Exit codes: 0 printed; 1 with --fail-on exceeded");
        _kube.Requests.ShouldBeEmpty();
    }

    [Theory]
    [InlineData(new[] { "-n", "shop", "-A" }, "-n and -A exclude each other")]
    [InlineData(new[] { "-o", "yaml" }, "--output must be table, wide or json, found 'yaml'")]
    [InlineData(new[] { "--fail-on", "waiting" }, "--fail-on must be exceeded, found 'waiting'")]
    [InlineData(new[] { "--grace-seconds", "-5" }, "--grace-seconds must be from 0 to 86400, found -5")]
    [InlineData(new[] { "--grace-seconds", "soon" }, "--grace-seconds must be a whole number of seconds, found 'soon'")]
    [InlineData(new[] { "--frobnicate" }, "unknown option '--frobnicate'")]
    [InlineData(new[] { "extra" }, "unexpected argument 'extra'")]
    public async Task Usage_errors_are_one_line_and_exit_2(string[] args, string problem)
    {
        var (exit, output, error) = await Status(args);

        exit.ShouldBe(Commands.Usage);
        output.ShouldBeEmpty();
        error.ShouldStartWith("webhook status: " + problem);
        error.TrimEnd().ShouldNotContain('\n');
        _kube.Requests.ShouldBeEmpty();
    }

    [Fact]
    public async Task A_bad_policy_file_is_exit_2_before_the_cluster_is_asked()
    {
        var policy = Path.Combine(_folder, "bad.yaml");
        await File.WriteAllTextAsync(policy, "apiVersion: deadline-guard.io/v1\nkind: DeadlinePolicy\nspec:\n  bounds: {minSeconds: 900, maxSeconds: 60}\n");

        var (exit, _, error) = await Status("--policy", policy);

        exit.ShouldBe(Commands.Usage);
        error.ShouldStartWith("webhook status: ");
        _kube.Requests.ShouldBeEmpty();
    }

    [Fact]
    public async Task A_refused_list_is_one_line_naming_the_verb_the_resource_and_the_namespace()
    {
        _kube.Authorizer = r => r.Path.Contains("/rollouts", StringComparison.Ordinal)
            ? """rollouts.argoproj.io is forbidden: User "system:serviceaccount:ci:reader" cannot list resource "rollouts" in API group "argoproj.io" in the namespace "shop" """.TrimEnd()
            : null;

        var (exit, output, error) = await Status("-n", "shop", "--fail-on", "exceeded");

        exit.ShouldBe(Commands.Usage);
        output.ShouldBeEmpty();
        error.ShouldStartWith("webhook status: not allowed to list rollouts.argoproj.io in namespace shop: ");
        error.ShouldContain("cannot list resource \"rollouts\"");
        error.TrimEnd().ShouldNotContain('\n');
    }

    [Fact]
    public async Task A_cluster_without_the_Rollout_CRD_is_one_line_asking_whether_Argo_Rollouts_is_installed()
    {
        _kube.Unregister(FakeKubeResource.Rollouts);

        var (exit, _, error) = await Status("-A");

        exit.ShouldBe(Commands.Usage);
        error.ShouldStartWith($"webhook status: the API server at {_kube.Url} does not serve rollouts.argoproj.io/v1alpha1 (");
        error.ShouldEndWith($"is Argo Rollouts installed in this cluster?{Environment.NewLine}");
    }

    [Fact]
    public async Task An_unreachable_cluster_is_one_line_and_exit_2()
    {
        var url = StatusKubeconfig.ClosedPortUrl();
        _kubeconfig = StatusKubeconfig.Write(_folder, url, "shop");

        var (exit, output, error) = await Status("--fail-on", "exceeded");

        exit.ShouldBe(Commands.Usage);
        output.ShouldBeEmpty();
        error.ShouldStartWith($"webhook status: the API server at {url} is not reachable (");
        error.TrimEnd().ShouldNotContain('\n');
    }

    [Fact]
    public async Task No_kubeconfig_is_one_line_and_exit_2()
    {
        var (exit, _, error) = await Status("--kubeconfig", Path.Combine(_folder, "missing"));

        exit.ShouldBe(Commands.Usage);
        error.ShouldStartWith("webhook status: the kubeconfig ");
        error.TrimEnd().ShouldNotContain('\n');
    }

    [Fact]
    public async Task An_expired_continue_token_lists_again_from_the_start()
    {
        for (var i = 0; i < 600; i++)
        {
            _kube.Seed(RolloutObjects.Healthy("bulk", $"r-{i:0000}", StatusRollouts.Now.AddHours(-3)));
        }

        // Between the first and the second page, another Rollout is added and etcd compacts the list's revision away.
        _kube.BeforeAnswering(r => r.Query.Contains("continue=", StringComparison.Ordinal), () =>
        {
            _kube.Seed(RolloutObjects.Healthy("bulk", "r-late", StatusRollouts.Now.AddHours(-3)));
            _kube.ExpireWatchesBefore(_kube.ResourceVersion);
        });

        var (exit, output, error) = await Status("-n", "bulk", "-o", "json");

        exit.ShouldBe(Commands.Ok, error);
        JsonNode.Parse(output)!["summary"]!["rollouts"]!.GetValue<int>().ShouldBe(601);
        _kube.Requests.Count(r => r.Path == "/apis/argoproj.io/v1alpha1/namespaces/bulk/rollouts" && !r.Query.Contains("continue=", StringComparison.Ordinal)).ShouldBe(2);
    }
}

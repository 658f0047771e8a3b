using System.Text.Json.Nodes;
using DeadlineGuard.Reconciler.Reports;
using DeadlineGuard.Tests.Reconciler;
using DeadlineGuard.Tests.Support;
using DeadlineGuard.Tests.Support.FakeKube;

namespace DeadlineGuard.Tests.Reports;

/// <summary>
/// The leader's policy reports against the loopback fake API server (through the real KubernetesClient), fed by the real
/// reconciler loop: written per namespace, updated when a result changes (once per burst), never rewritten when nothing
/// changed, removed with the namespace's last Rollout; both formats; the CRD absent; 409, 422 and 403.
/// </summary>
public sealed class ReportKeeperTests : IAsyncLifetime
{
    private const int Unchanged = 150;
    private const int CrdAbsent = 140;
    private const int Rejected = 145;
    private const int Forbidden = 146;
    private const int Written = 143;
    private const int Deleted = 144;
    private const int StillRejected = 151;

    private static readonly DateTimeOffset Start = RolloutObjects.Rev4Started.AddHours(1);
    private static readonly TimeSpan Wait = ReportRun.Wait;

    private readonly ObservedClock _clock = new(Start);
    private FakeKubeApiServer _kube = null!;

    public async Task InitializeAsync()
    {
        _kube = await FakeKubeApiServer.StartAsync(_clock);
        _kube.Seed(RolloutObjects.StuckRevision4("shop", "checkout", Start.AddSeconds(-200)));
        _kube.Seed(RolloutObjects.Healthy("shop", "cart", Start.AddHours(-2)));
        _kube.Seed(RolloutObjects.Fresh("team-b", "web", Start.AddSeconds(-60), Start.AddSeconds(-30)));
    }

    public async Task DisposeAsync() => await _kube.DisposeAsync();

    private IReadOnlyList<RecordedRequest> Writes(string plural = "policyreports") =>
        [.. _kube.Requests.Where(r => r.Path.Contains("/" + plural, StringComparison.Ordinal) && r.Method is "POST" or "PUT" or "DELETE")];

    private JsonObject Report(string ns, string plural = "policyreports.wgpolicyk8s.io") =>
        _kube.Get(plural, ns, NamespaceReport.Name) ?? throw new InvalidOperationException($"no report in {ns}");

    private static IEnumerable<JsonObject> Results(JsonObject report, string rollout) =>
        report["results"]!.AsArray().OfType<JsonObject>().Where(r => r["resources"]![0]!["name"]!.GetValue<string>() == rollout);

    private static JsonObject Result(JsonObject report, string rollout, string rule) =>
        Results(report, rollout).Single(r => r["rule"]!.GetValue<string>() == rule);

    /// <summary>Changes a Rollout as another actor would, and waits until the reconciler has judged the change (and told the keeper).</summary>
    private static async Task ChangeAsync(ReportRun run, FakeKubeApiServer kube, string ns, string name, Action<JsonObject> edit)
    {
        var changed = kube.Modify("rollouts", ns, name, edit);
        await run.Observer.WaitForAsync(ns, name, changed["metadata"]!["resourceVersion"]!.GetValue<string>());
    }

    /// <summary>The keeper is parked on its coalescing timer for a change made now; moves the clock past it.</summary>
    private async Task AdvancePastIntervalAsync(int mark)
    {
        await _clock.WaitForTimerAsync(t => t.Sequence > mark && t.DueTime > TimeSpan.Zero && t.DueTime <= TimeSpan.FromSeconds(5), Wait);
        _clock.Advance(TimeSpan.FromSeconds(5));
    }

    private async Task<ReportRun> StartedWithReportsAsync(Action<ReportOptions>? configure = null)
    {
        var run = await ReportRun.StartAsync(_kube, _clock, configure);
        await run.Log.WaitForAsync(Written, 2); // logged once the API server has answered
        return run;
    }

    [Fact]
    public async Task The_leader_writes_one_report_per_namespace_with_the_rules_the_pitfalls_and_the_enforcement()
    {
        _kube.Register(ReportCrds.PolicyReports);

        await using var run = await StartedWithReportsAsync();

        Writes().Select(w => $"{w.Method} {w.Path}").ShouldBe(
            ["POST /apis/wgpolicyk8s.io/v1alpha2/namespaces/shop/policyreports", "POST /apis/wgpolicyk8s.io/v1alpha2/namespaces/team-b/policyreports"],
            ignoreOrder: true);
        var shop = Report("shop");
        shop["apiVersion"]!.GetValue<string>().ShouldBe("wgpolicyk8s.io/v1alpha2");
        shop["kind"]!.GetValue<string>().ShouldBe("PolicyReport");
        shop["metadata"]!["labels"]![NamespaceReport.ManagedByLabel]!.GetValue<string>().ShouldBe(NamespaceReport.ManagedBy);
        var results = shop["results"]!.AsArray().OfType<JsonObject>().ToList();
        results.ShouldAllBe(r => r["source"]!.GetValue<string>() == "deadline-guard");
        results.Select(r => r["resources"]![0]!["name"]!.GetValue<string>()).Distinct().ShouldBe(["cart", "checkout"]);
        Results(shop, "checkout").Select(r => $"{r["policy"]}/{r["rule"]}={r["result"]}").ShouldBe(
        [
            "progress-deadline-policy/deadline-set=pass",
            "progress-deadline-policy/deadline-within-bounds=pass",
            "progress-deadline-policy/deadline-above-min-ready-seconds=pass",
            "progress-deadline-policy/abort-on-deadline=pass",
            "progress-deadline-pitfalls/DG102=warn",
            "progress-deadline-enforcement/progress-deadline=fail",
        ]);
        var enforcement = Result(shop, "checkout", "progress-deadline");
        enforcement["message"]!.GetValue<string>().ShouldStartWith("no progress since 2026-11-27T11:11:42Z: 60s deadline and 30s grace passed at 2026-11-27T11:13:12Z");
        enforcement["properties"]!["verdict"]!.GetValue<string>().ShouldBe("exceeded");
        enforcement["properties"]!["revision"]!.GetValue<string>().ShouldBe("4");
        enforcement["resources"]![0]!["uid"]!.GetValue<string>().ShouldBe("uid-shop-checkout");
        enforcement["timestamp"]!["seconds"]!.GetValue<long>().ShouldBe(Start.ToUnixTimeSeconds());
        Result(shop, "cart", "progress-deadline")["result"]!.GetValue<string>().ShouldBe("pass");
        Result(shop, "cart", "progress-deadline")["message"]!.GetValue<string>().ShouldBe("phase is Healthy");

        // The summary counts what the results say.
        foreach (var outcome in new[] { "pass", "fail", "warn", "error", "skip" })
        {
            shop["summary"]![outcome]!.GetValue<int>().ShouldBe(results.Count(r => r["result"]!.GetValue<string>() == outcome), outcome);
        }

        Result(Report("team-b"), "web", "progress-deadline")["result"]!.GetValue<string>().ShouldBe("pass");
    }

    [Fact]
    public async Task Nothing_is_written_again_when_nothing_changed_even_after_a_new_leader_reads_them()
    {
        _kube.Register(ReportCrds.PolicyReports);
        await using (var run = await StartedWithReportsAsync())
        {
            // A change that changes no result: a label on a Rollout.
            var mark = _clock.ArmedCount;
            await ChangeAsync(run, _kube, "shop", "cart", r => r["metadata"]!["labels"]!["tier"] = "web");
            await AdvancePastIntervalAsync(mark);
            await run.Log.WaitForAsync(Unchanged);
            await run.StopAsync();
        }

        await using var next = await ReportRun.StartAsync(_kube, _clock);
        await next.Log.WaitForAsync(Unchanged, 2);

        Writes().Count.ShouldBe(2);
        next.Log.Entries.Where(e => e.EventId == Unchanged).Select(e => e.Message).ShouldBe(
            ["PolicyReport shop/rollout-deadline-guard says what it would say again: not written", "PolicyReport team-b/rollout-deadline-guard says what it would say again: not written"],
            ignoreOrder: true);
    }

    [Fact]
    public async Task A_new_leader_reads_every_page_of_its_reports_and_rewrites_none()
    {
        _kube.Register(ReportCrds.PolicyReports);
        for (var i = 0; i < 25; i++)
        {
            _kube.Seed(RolloutObjects.Healthy($"team-{i:00}", "api", Start.AddHours(-1)));
        }

        await using (var run = await ReportRun.StartAsync(_kube, _clock))
        {
            await run.Log.WaitForAsync(Written, 27);
        }

        await using var next = await ReportRun.StartAsync(_kube, _clock);
        await next.Log.WaitForAsync(Unchanged, 27);

        Writes().Count.ShouldBe(27);
        _kube.Requests.Count(r => r.Method == "GET" && r.Path == "/apis/wgpolicyk8s.io/v1alpha2/policyreports").ShouldBe(1 + 3); // the first leader found none; the next read 27 in pages of 10
        next.Log.Entries.Single(e => e.EventId == 142).Message.ShouldStartWith("Found 27 policy reports of ours");
    }

    [Fact]
    public async Task A_burst_of_changes_is_written_once_after_the_interval()
    {
        _kube.Register(ReportCrds.PolicyReports);
        await using var run = await StartedWithReportsAsync();
        _clock.Advance(TimeSpan.FromMinutes(1));

        var mark = _clock.ArmedCount;
        await ChangeAsync(run, _kube, "shop", "checkout", r => r["spec"]!["progressDeadlineSeconds"] = 7200);
        await ChangeAsync(run, _kube, "shop", "checkout", r => RolloutObjects.Status(r)["abort"] = true);
        await ChangeAsync(run, _kube, "shop", "checkout", r => RolloutObjects.Status(r)["phase"] = "Degraded");
        await AdvancePastIntervalAsync(mark);
        await run.Log.WaitForAsync(Written, 3);
        var put = _kube.Requests.Single(r => r.Method == "PUT");

        put.Path.ShouldBe("/apis/wgpolicyk8s.io/v1alpha2/namespaces/shop/policyreports/rollout-deadline-guard");
        var shop = Report("shop");
        Result(shop, "checkout", "progress-deadline")["result"]!.GetValue<string>().ShouldBe("pass");
        Result(shop, "checkout", "progress-deadline")["message"]!.GetValue<string>().ShouldBe("already aborted");
        Result(shop, "checkout", "deadline-within-bounds")["result"]!.GetValue<string>().ShouldBe("fail");
        Result(shop, "checkout", "deadline-within-bounds")["message"]!.GetValue<string>().ShouldBe("spec.progressDeadlineSeconds is 7200; it must be at most 3600 (policy bounds 30-3600)");
        shop["summary"]!["fail"]!.GetValue<int>().ShouldBe(1);

        // A Rollout whose results did not change keeps the time they were first written; the changed one carries the time of the write.
        Results(shop, "cart").ShouldAllBe(r => r["timestamp"]!["seconds"]!.GetValue<long>() == Start.ToUnixTimeSeconds());
        Results(shop, "checkout").ShouldAllBe(r => r["timestamp"]!["seconds"]!.GetValue<long>() == _clock.Now.ToUnixTimeSeconds());
        Writes().Count(w => w.Method == "PUT").ShouldBe(1);
    }

    [Fact]
    public async Task A_pause_held_past_the_policys_pause_limit_turns_its_enforcement_to_fail_when_the_limit_falls_due()
    {
        _kube.Register(ReportCrds.PolicyReports);
        var folder = Directory.CreateTempSubdirectory("reports-").FullName;
        var policy = Path.Combine(folder, "policy.yaml");
        await File.WriteAllTextAsync(policy, "apiVersion: deadline-guard.io/v1\nkind: DeadlinePolicy\nspec:\n  pauses: {maxSeconds: 600, abort: true}\n");
        _kube.Seed(RolloutObjects.AwaitingPromotion("gated", "search", Start.AddMinutes(-5))); // paused since Start - 4m30s: due at Start + 6m
        await using var run = await ReportRun.StartAsync(_kube, _clock, policyFile: policy);
        await run.Log.WaitForAsync(Written, 3);

        var before = Result(Report("gated"), "search", RolloutResults.PauseLimitEnforced);
        before["result"]!.GetValue<string>().ShouldBe("pass");
        before["message"]!.GetValue<string>().ShouldEndWith("its 600s pause limit and 30s grace fall due at 2026-11-27T11:21:00Z");
        Results(Report("gated"), "search").Select(r => r["rule"]!.GetValue<string>()).ShouldNotContain("DG104");

        var mark = _clock.ArmedCount;
        _clock.AdvanceTo(Start.AddMinutes(6));
        await AdvancePastIntervalAsync(mark);
        await run.Log.WaitForAsync(Written, 4);

        var after = Result(Report("gated"), "search", RolloutResults.PauseLimitEnforced);
        after["result"]!.GetValue<string>().ShouldBe("fail");
        after["message"]!.GetValue<string>().ShouldStartWith("paused (BlueGreenPause) since 2026-11-27T11:10:30Z: its 600s pause limit and 30s grace passed at 2026-11-27T11:21:00Z");
        after["properties"]!["limit"]!.GetValue<string>().ShouldBe("pause");
        Writes().Where(w => w.Method == "PUT").Select(w => w.Path).ShouldBe(["/apis/wgpolicyk8s.io/v1alpha2/namespaces/gated/policyreports/rollout-deadline-guard"]);
        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public async Task A_namespace_left_without_rollouts_loses_its_report_and_a_deleted_rollout_its_results()
    {
        _kube.Register(ReportCrds.PolicyReports);
        await using var run = await StartedWithReportsAsync();

        var mark = _clock.ArmedCount;
        _kube.Delete("rollouts", "team-b", "web");
        _kube.Delete("rollouts", "shop", "cart");
        await run.Observer.WaitForAsync("team-b", "web", string.Empty, gone: true);
        await run.Observer.WaitForAsync("shop", "cart", string.Empty, gone: true);
        await AdvancePastIntervalAsync(mark);
        await run.Log.WaitForAsync(Deleted);
        await run.Log.WaitForAsync(Written, 3);

        _kube.Get("policyreports.wgpolicyk8s.io", "team-b", NamespaceReport.Name).ShouldBeNull();
        Report("shop")["results"]!.AsArray().ShouldAllBe(r => r!["resources"]![0]!["name"]!.GetValue<string>() == "checkout");
    }

    [Fact]
    public async Task Open_reports_are_written_when_the_format_asks_for_them()
    {
        _kube.Register(ReportCrds.OpenReports);

        await using var run = await ReportRun.StartAsync(_kube, _clock, o => o.Format = ReportFormat.OpenReports);
        await run.Log.WaitForAsync(Written, 2);
        _kube.Requests.ShouldContain(r => r.Method == "POST" && r.Path == "/apis/openreports.io/v1alpha1/namespaces/shop/reports");

        var report = Report("shop", "reports.openreports.io");
        report["apiVersion"]!.GetValue<string>().ShouldBe("openreports.io/v1alpha1");
        report["kind"]!.GetValue<string>().ShouldBe("Report");
        report["source"]!.GetValue<string>().ShouldBe("deadline-guard");
        Result(report, "checkout", "progress-deadline")["result"]!.GetValue<string>().ShouldBe("fail");
        _kube.Requests.ShouldNotContain(r => r.Path.Contains("wgpolicyk8s.io", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Without_the_CRD_one_line_is_logged_and_nothing_written_until_it_is_installed()
    {
        await using var run = await ReportRun.StartAsync(_kube, _clock, o => o.RecheckMinutes = 10);
        await run.Log.WaitForAsync(CrdAbsent);
        var recheck = await _clock.WaitForTimerAsync(t => t.DueTime == TimeSpan.FromMinutes(10), Wait);

        // Rollouts change meanwhile; still nothing is written and nothing more is logged.
        await ChangeAsync(run, _kube, "shop", "cart", r => r["metadata"]!["labels"]!["tier"] = "web");
        Writes().ShouldBeEmpty();
        _kube.Register(ReportCrds.PolicyReports);
        _clock.AdvanceTo(recheck.DueAt);
        await run.Log.WaitForAsync(Written, 2);

        run.Log.Count(CrdAbsent).ShouldBe(1);
        run.Log.Entries.Single(e => e.EventId == CrdAbsent).Message.ShouldBe(
            "Policy reports are off: the API server does not serve policyreports.wgpolicyk8s.io/v1alpha2 (its CRD is not installed); looking again in 10 minutes and at each leadership start");
        Report("shop")["results"]!.AsArray().Count.ShouldBe(12);
    }

    [Fact]
    public async Task A_conflict_reads_the_report_again_and_writes_it_whole_keeping_what_others_added()
    {
        _kube.Register(ReportCrds.PolicyReports);
        await using var run = await StartedWithReportsAsync();

        // Someone annotates the report: the keeper's copy is stale, so its conditional PUT gets 409.
        _kube.Modify("policyreports.wgpolicyk8s.io", "shop", NamespaceReport.Name, r => r["metadata"]!["annotations"] = new JsonObject { ["team"] = "payments" });
        var mark = _clock.ArmedCount;
        await ChangeAsync(run, _kube, "shop", "checkout", r => RolloutObjects.Status(r)["abort"] = true);
        await AdvancePastIntervalAsync(mark);
        await _kube.WaitForRequestAsync(r => r.Method == "GET" && r.Path.EndsWith("/policyreports/rollout-deadline-guard", StringComparison.Ordinal), Wait);
        await run.Log.WaitForAsync(Written, 3);
        var puts = Writes().Where(w => w.Method == "PUT").ToList();
        puts.Count.ShouldBe(2);

        puts.Select(p => p.Path).Distinct().ShouldHaveSingleItem();
        var shop = Report("shop");
        shop["metadata"]!["annotations"]!["team"]!.GetValue<string>().ShouldBe("payments");
        Result(shop, "checkout", "progress-deadline")["message"]!.GetValue<string>().ShouldBe("already aborted");
    }

    [Fact]
    public async Task A_report_the_API_server_refuses_is_logged_once_and_not_sent_again_until_its_results_change()
    {
        _kube.Register(ReportCrds.PolicyReports);
        _kube.FailNext(1, 422, "/namespaces/shop/policyreports");
        await using var run = await ReportRun.StartAsync(_kube, _clock);
        var refused = await run.Log.WaitForAsync(Rejected);
        refused.Message.ShouldStartWith("The API server refused PolicyReport for namespace shop (422): create of PolicyReport shop/rollout-deadline-guard: 422 Invalid: injected failure");

        // A change that changes no result: the same report is not sent again.
        var mark = _clock.ArmedCount;
        await ChangeAsync(run, _kube, "shop", "cart", r => r["metadata"]!["labels"]!["tier"] = "web");
        await AdvancePastIntervalAsync(mark);
        await run.Log.WaitForAsync(StillRejected);
        Writes().Count(w => w.Path.Contains("/namespaces/shop/", StringComparison.Ordinal)).ShouldBe(1);

        // A change of a result: sent, and accepted.
        mark = _clock.ArmedCount;
        var requests = _kube.Requests.Count;
        await ChangeAsync(run, _kube, "shop", "checkout", r => RolloutObjects.Status(r)["abort"] = true);
        await AdvancePastIntervalAsync(mark);
        await _kube.WaitForRequestAsync(r => r.Sequence > requests && r.Method == "POST" && r.Path.Contains("/namespaces/shop/", StringComparison.Ordinal), Wait);
        await run.Log.WaitForAsync(Written, 3 - 1);
        run.Log.Count(Rejected).ShouldBe(1);
        Result(Report("shop"), "checkout", "progress-deadline")["message"]!.GetValue<string>().ShouldBe("already aborted");
    }

    [Fact]
    public async Task A_forbidden_write_is_logged_and_retried_with_backoff()
    {
        _kube.Register(ReportCrds.PolicyReports);
        var allowed = false;
        _kube.Authorizer = r => !Volatile.Read(ref allowed) && r.Method == "POST" && r.Path.Contains("/namespaces/shop/policyreports", StringComparison.Ordinal)
            ? """policyreports.wgpolicyk8s.io is forbidden: User "system:serviceaccount:guard:reconciler" cannot create resource "policyreports" in API group "wgpolicyk8s.io" in the namespace "shop" """.TrimEnd()
            : null;
        await using var run = await ReportRun.StartAsync(_kube, _clock);
        var refused = await run.Log.WaitForAsync(Forbidden);
        refused.Message.ShouldContain("Not allowed to write policyreports.wgpolicyk8s.io/v1alpha2 in namespace shop");

        Volatile.Write(ref allowed, true);
        var retry = await _clock.WaitForTimerAsync(t => t.DueTime > TimeSpan.Zero && t.DueTime <= TimeSpan.FromSeconds(5), Wait);
        _clock.AdvanceTo(retry.DueAt);
        await run.Log.WaitForAsync(Written, 2);
        Report("shop")["results"]!.AsArray().Count.ShouldBe(12);
    }
}

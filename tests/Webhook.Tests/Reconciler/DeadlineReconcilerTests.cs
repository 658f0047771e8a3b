using System.Text.Json.Nodes;
using DeadlineGuard.Reconciler;
using static DeadlineGuard.Tests.Reconciler.ReconcilerHosts;
using static DeadlineGuard.Tests.Reconciler.RolloutObjects;

namespace DeadlineGuard.Tests.Reconciler;

/// <summary>
/// The reconciler's loop and the progress deadline, each test a <see cref="ReconcilerScenario"/>: given Rollouts in the
/// fake API server, when the loop runs and the clock moves, then what it wrote, kept and counted.
/// </summary>
public sealed class DeadlineReconcilerTests
{
    /// <summary>The stuck revision 4's last recorded progress (its Progressing lastUpdateTime).</summary>
    private static readonly DateTimeOffset T0 = Rev4Started.AddSeconds(2);

    /// <summary>The reconciler starts 10 s later.</summary>
    private static readonly DateTimeOffset Start = ReconcilerScenario.Start;

    /// <summary>60 s deadline + 30 s grace after the last progress.</summary>
    private static readonly DateTimeOffset StuckDue = T0.AddSeconds(60 + 30);

    /// <summary>The fresh Rollout last progressed 5 s before the start, with the injected 600 s deadline.</summary>
    private static readonly DateTimeOffset FreshProgress = Start.AddSeconds(-5);

    private static readonly DateTimeOffset FreshDue = FreshProgress.AddSeconds(600 + 30);

    /// <summary>shop/catalog: a fresh revision, due at <see cref="FreshDue"/>.</summary>
    private static JsonObject FreshCatalog() => Fresh("shop", "catalog", Start.AddSeconds(-60), FreshProgress);

    /// <summary>The cluster of the "done when": the stuck revision 4 (shop/checkout) among Rollouts to leave alone.</summary>
    private static void GivenTheCluster(ReconcilerScenario loop)
    {
        var (stuck, others) = Cluster(Rev4Started, FreshProgress);
        loop.Given(stuck);
        loop.GivenLeftAlone(others);
    }

    /// <summary>Given the stuck shop/checkout and the fresh shop/catalog, the loop started and parked until the stuck one's due.</summary>
    private static async Task<ReconcilerScenario> GivenStuckAndFreshAsync(bool dryRun = false)
    {
        var loop = await ReconcilerScenario.CreateAsync();
        if (dryRun)
        {
            loop.GivenDryRun();
        }

        loop.Given(StuckRevision4("shop", "checkout"), FreshCatalog());
        await loop.StartAsync(parkedUntil: StuckDue);
        return loop;
    }

    /// <summary>Given the healthy shop/cart, the loop started and its first watch open.</summary>
    private static async Task<ReconcilerScenario> GivenAHealthyRolloutWatchedAsync()
    {
        var loop = await ReconcilerScenario.CreateAsync();
        loop.Given(Healthy("shop", "cart", Rev4Started.AddHours(-2)));
        await loop.StartAsync();
        await loop.WatchOpenedAsync(1);
        return loop;
    }

    [Fact]
    public async Task Only_the_stuck_revision_4_is_aborted_once_its_deadline_and_grace_have_passed_with_one_event()
    {
        await using var loop = await ReconcilerScenario.CreateAsync();
        GivenTheCluster(loop);

        await loop.StartAsync(parkedUntil: StuckDue); // the first deadline is the stuck revision's
        loop.Clock.AdvanceTo(StuckDue.AddSeconds(-1));
        loop.ShouldHaveWrittenNothing("nothing is due one second before the deadline plus grace");
        var action = await loop.AbortAtAsync(StuckDue.AddSeconds(1), "checkout", thenParkedUntil: FreshDue);

        action.ShouldHaveAborted("shop", "checkout");
        action.Post.Path.ShouldBe("/apis/events.k8s.io/v1/namespaces/shop/events");
        action.ShouldBeEvent("ProgressDeadlineExceeded", "Abort", "checkout");
        action.Event.ShouldSatisfyAllConditions(
            e => e["reportingController"]!.GetValue<string>().ShouldBe("deadline-guard.io/reconciler"),
            e => e["regarding"]!["kind"]!.GetValue<string>().ShouldBe("Rollout"),
            e => e["regarding"]!["apiVersion"]!.GetValue<string>().ShouldBe("argoproj.io/v1alpha1"),
            e => e["regarding"]!["namespace"]!.GetValue<string>().ShouldBe("shop"),
            e => e["regarding"]!["uid"]!.GetValue<string>().ShouldBe("uid-shop-checkout"));
        action.Note.ShouldSatisfyAllConditions(
            n => n.ShouldContain("revision 4"),
            n => n.ShouldContain("60s progress deadline"),
            n => n.ShouldContain($"no progress since {Time(T0)}"),
            n => n.ShouldContain("aborted it"));
        loop.ShouldHaveWritten(action.Writes, "one abort and one Event, nothing else written");
        loop.StoredStatus("shop", "checkout")["abort"]!.GetValue<bool>().ShouldBeTrue();
        loop.Kube.List("events", "shop").ShouldHaveSingleItem()["reason"]!.GetValue<string>().ShouldBe("ProgressDeadlineExceeded");
        loop.Kube.List("events", "sandbox-load").ShouldBeEmpty();
        loop.ShouldHaveLeftAlone();
        loop.Run.Actions("Aborted", "success").ShouldBe(1);
    }

    [Fact]
    public async Task The_aborted_rollout_coming_back_through_the_watch_is_not_acted_on_again_however_long_it_waits()
    {
        await using var loop = await ReconcilerScenario.CreateAsync();
        GivenTheCluster(loop);
        await loop.StartAsync(parkedUntil: StuckDue);
        var idle = loop.Run.Verdicts("idle");
        await loop.AbortAtAsync(StuckDue.AddSeconds(1), "checkout", thenParkedUntil: FreshDue);

        // The abort's MODIFIED is already queued on the watch (the status patch was answered before the Event was
        // posted). A later change behind it, progress on the fresh Rollout, moves that one's deadline: once the loop
        // is parked on the new one, it has judged the aborted Rollout again.
        var progressAt = loop.Clock.Now;
        loop.Kube.Modify("rollouts", "shop", "catalog", r => RecordProgress(r, progressAt));
        var freshDue = progressAt.AddSeconds(630);
        await loop.ParkedUntilAsync(freshDue);
        loop.Run.Verdicts("idle").ShouldBe(idle + 1, "the aborted Rollout is judged idle (already aborted)");
        loop.Clock.AdvanceTo(freshDue.AddSeconds(-1));
        loop.Writes.Count().ShouldBe(2);
        (await loop.AbortAtAsync(freshDue, "catalog")).ShouldHaveAborted("shop", "catalog");
        loop.Clock.Advance(TimeSpan.FromHours(5));
        loop.Given(StuckRevision4("shop", "late", started: loop.Clock.Now.AddHours(-1)));
        await loop.EventAboutAsync("late");

        loop.Aborted.ShouldBe([StatusPath("shop", "checkout"), StatusPath("shop", "catalog"), StatusPath("shop", "late")]);
        loop.EventsAbout("checkout").ShouldBe(1);
        loop.ShouldHaveLeftAlone(except: "shop/catalog");
    }

    [Fact]
    public async Task A_fresh_revision_is_aborted_only_after_its_own_600_s_and_grace_on_a_single_scheduled_wake_up()
    {
        await using var loop = await ReconcilerScenario.CreateAsync();
        loop.Given(FreshCatalog(), Healthy("shop", "cart", Rev4Started.AddHours(-2)));
        await loop.StartAsync(parkedUntil: FreshDue);
        await loop.WatchOpenedAsync(); // the watch follows the list: count from when it is open
        var requests = loop.Kube.Requests.Count;

        while (loop.Clock.Now.AddSeconds(100) < FreshDue)
        {
            loop.Clock.Advance(TimeSpan.FromSeconds(100)); // big steps up to a second before: no wake-up, no request
        }

        loop.Clock.AdvanceTo(FreshDue.AddSeconds(-1));
        loop.Kube.Requests.Count.ShouldBe(requests, "nothing happens before the deadline plus grace");
        var action = await loop.AbortAtAsync(FreshDue, "catalog");

        action.ShouldHaveAborted("shop", "catalog");
        action.Note.ShouldContain("600s progress deadline");
        action.Note.ShouldContain($"no progress since {Time(FreshProgress)}");
        loop.Kube.Requests.Skip(requests).ShouldBe(action.Writes, "no request between the start and the deadline: no polling");
        loop.LoopTimers.Select(t => t.DueAt).ShouldBe([FreshDue], "the loop armed one wake-up, for the deadline");
    }

    [Fact]
    public async Task A_revision_recorded_without_abort_gets_the_event_and_no_status_patch()
    {
        await using var loop = await ReconcilerScenario.CreateAsync();
        loop.GivenLeftAlone(StuckRevision4WithoutAbort("shop", "checkout"));
        loop.Given(FreshCatalog());

        await loop.StartAsync(parkedUntil: StuckDue);
        var report = await loop.EventAtAsync(StuckDue, "checkout", thenParkedUntil: FreshDue);

        report.ShouldBeEvent("ProgressDeadlineExceeded", "Report", "checkout");
        report.Note.ShouldContain("did not abort it: progressDeadlineAbort is false for this revision");
        loop.Run.Actions("Reported", "success").ShouldBe(1);
        loop.Run.Actions("Aborted", "success").ShouldBe(0);
        loop.ShouldHaveWritten([report.Post]);
        loop.ShouldHaveLeftAlone();
    }

    [Fact]
    public async Task Dry_run_emits_a_would_abort_event_once_and_changes_nothing()
    {
        await using var loop = await GivenStuckAndFreshAsync(dryRun: true);
        var wouldAbort = await loop.EventAtAsync(StuckDue, "checkout");

        // Still stuck (nothing was aborted): a later change to it is judged exceeded again, but acted on once only.
        loop.Clock.Advance(TimeSpan.FromMinutes(5));
        var changed = () =>
        {
            loop.Kube.Modify("rollouts", "shop", "checkout", r => r["metadata"]!["labels"]!["team"] = "web");
            loop.Given(StuckRevision4("shop", "late", started: loop.Clock.Now.AddHours(-1)));
        };
        await loop.ActionAsync(changed, "late", thenParkedUntil: FreshDue, aborts: false);

        wouldAbort.ShouldBeEvent("ProgressDeadlineExceeded", "WouldAbort", "checkout");
        wouldAbort.Note.ShouldContain("would abort it (dry run: nothing changed)");
        loop.Writes.ShouldAllBe(r => IsEventPost(r), "dry run writes nothing but Events");
        loop.EventsAbout("checkout").ShouldBe(1, "acted once, even in dry run");
        loop.EventsAbout("catalog").ShouldBe(0);
        loop.Kube.List("rollouts").ShouldAllBe(r => !Status(r)["abort"]!.GetValue<bool>());
        loop.Run.Verdicts("exceeded").ShouldBe(3);
        loop.Run.Actions("WouldAbort", "success").ShouldBe(2);
    }

    [Fact]
    public async Task A_failed_dry_run_event_is_counted_as_would_abort_and_retried()
    {
        await using var loop = await GivenStuckAndFreshAsync(dryRun: true);

        var mark = loop.FailOnceAt("/apis/events.k8s.io/", StuckDue);
        var failed = await loop.RequestAsync(IsEventPost);
        var retry = await loop.BackoffAsync(1, armedAfter: mark);
        loop.Run.Actions("WouldAbort", "failure").ShouldBe(1);
        loop.Run.Actions("Reported", "failure").ShouldBe(0);
        var retried = await loop.EventAtAsync(retry.DueAt, "checkout", thenParkedUntil: FreshDue);

        loop.ShouldHaveWritten([failed, retried.Post]);
        retried.EventAction.ShouldBe("WouldAbort");
        loop.Run.Actions("WouldAbort", "success").ShouldBe(1);
    }

    [Fact]
    public async Task A_watch_the_server_ends_is_resumed_from_the_last_resource_version_and_later_changes_still_arrive()
    {
        await using var loop = await GivenAHealthyRolloutWatchedAsync();

        var seen = loop.Kube.Modify("rollouts", "shop", "cart", r => r["metadata"]!["labels"]!["team"] = "web")["metadata"]!["resourceVersion"]!.GetValue<string>();
        loop.Kube.EndWatches();
        (await loop.WatchOpenedAsync(2)).Query.ShouldContain($"resourceVersion={seen}");
        loop.Kube.EndWatches(); // this time before any event: KubernetesClient reports it as an end of stream
        (await loop.WatchOpenedAsync(3)).Query.ShouldContain($"resourceVersion={seen}");
        loop.Given(StuckRevision4("shop", "checkout", started: Start.AddHours(-1)));

        (await loop.RequestAsync(IsStatusPatch)).Path.ShouldBe(StatusPath("shop", "checkout"));
        loop.Lists.Count.ShouldBe(1, "a watch that ends is resumed, not relisted");
        loop.Run.WatchRestarts("closed").ShouldBe(2);
    }

    [Fact]
    public async Task A_watch_answered_410_gone_relists()
    {
        await using var loop = await GivenAHealthyRolloutWatchedAsync();

        loop.Kube.NextWatchReturns410();
        loop.Kube.EndWatches();
        await loop.WatchOpenedAsync(2);
        var gone = loop.Kube.Requests.Where(r => r.IsWatch).ElementAt(1);
        loop.Lists.Count.ShouldBe(2);
        loop.Lists[1].Sequence.ShouldBeGreaterThan(gone.Sequence, "the relist follows the 410");
        loop.Given(StuckRevision4("shop", "checkout", started: Start.AddHours(-1)));

        (await loop.RequestAsync(IsStatusPatch)).Path.ShouldBe(StatusPath("shop", "checkout"));
        loop.Run.WatchRestarts("expired").ShouldBe(1);
    }

    [Fact]
    public async Task After_a_failed_watch_and_its_backoff_an_expired_version_relists_and_what_was_deleted_meanwhile_is_forgotten()
    {
        await using var loop = await ReconcilerScenario.CreateAsync();
        loop.Given(FreshCatalog(), Fresh("shop", "search", Start.AddSeconds(-60), FreshProgress, deadlineSeconds: 900));
        var searchDue = FreshProgress.AddSeconds(900 + 30);
        await loop.StartAsync();
        await loop.WatchOpenedAsync(1);

        // The next watch fails: the informer backs off about a second on the clock.
        loop.Kube.FailNext(1, 500, "watch=true");
        var mark = loop.Clock.ArmedCount;
        loop.Kube.EndWatches();
        var backoff = await loop.BackoffAsync(1, armedAfter: mark);
        var watches = loop.Kube.Requests.Count(r => r.IsWatch);

        // Meanwhile: one Rollout is deleted, a stuck one appears, and etcd compacts past the informer's version.
        loop.Kube.Delete("rollouts", "shop", "catalog");
        loop.Given(StuckRevision4("shop", "checkout", started: Start.AddHours(-1)));
        loop.Kube.ExpireWatchesBefore(loop.Kube.ResourceVersion);
        loop.Kube.Requests.Count(r => r.IsWatch).ShouldBe(watches, "no retry before the backoff has passed");
        loop.Clock.Advance(backoff.DueTime);
        (await loop.RequestAsync(IsStatusPatch)).Path.ShouldBe(StatusPath("shop", "checkout"));
        loop.Lists.Count.ShouldBe(2);

        // After the relist the loop sleeps until the remaining Rollout's deadline, not the deleted one's (earlier).
        await loop.ParkedUntilAsync(searchDue, armedAfter: backoff.Sequence);
        loop.LoopTimers.ShouldNotContain(t => t.Sequence > backoff.Sequence && t.DueAt == FreshDue);
        await loop.AbortAtAsync(searchDue, "search");
        loop.Aborted.ShouldBe([StatusPath("shop", "checkout"), StatusPath("shop", "search")]);
        loop.Run.WatchRestarts("error").ShouldBe(1);
        loop.Run.WatchRestarts("expired").ShouldBe(1);
    }

    [Fact]
    public async Task A_failing_first_list_is_retried_with_growing_backoff_until_it_syncs()
    {
        await using var loop = await ReconcilerScenario.CreateAsync();
        loop.Given(StuckRevision4("shop", "checkout", started: Start.AddHours(-1)));
        loop.Kube.FailNext(2, 503, "/rollouts?limit=");

        loop.Launch();
        var first = await loop.BackoffAsync(1);
        loop.Lists.Count.ShouldBe(1);
        loop.Clock.Advance(first.DueTime);
        var second = await loop.BackoffAsync(2, armedAfter: first.Sequence);
        loop.Lists.Count.ShouldBe(2);
        loop.Run.Reconciler.Synced.IsCompleted.ShouldBeFalse();
        loop.Clock.Advance(second.DueTime);
        await loop.Run.SyncedAsync();

        loop.Lists.Count.ShouldBe(3);
        loop.Aborted.ShouldBe([StatusPath("shop", "checkout")]);
        loop.Run.WatchRestarts("error").ShouldBe(2);
    }

    [Fact]
    public async Task A_failing_abort_is_retried_after_a_backoff_and_succeeds_once()
    {
        await using var loop = await GivenStuckAndFreshAsync();

        var mark = loop.FailOnceAt("/status", StuckDue);
        var failed = await loop.RequestAsync(IsStatusPatch);
        var retry = await loop.BackoffAsync(1, armedAfter: mark);
        loop.ShouldHaveWritten([failed], "no Event for a failed abort, and no retry before the backoff");
        loop.Run.Actions("Aborted", "failure").ShouldBe(1);
        var action = await loop.AbortAtAsync(retry.DueAt, "checkout", thenParkedUntil: FreshDue);

        action.Patch!.Sequence.ShouldBeGreaterThan(failed.Sequence);
        loop.ShouldHaveWritten([failed, .. action.Writes]);
        loop.StoredStatus("shop", "checkout")["abort"]!.GetValue<bool>().ShouldBeTrue();
        loop.Kube.List("events", "shop").Count.ShouldBe(1);
        loop.Run.Actions("Aborted", "success").ShouldBe(1);
    }

    [Fact]
    public async Task An_event_that_fails_after_the_abort_is_retried_after_a_backoff_without_aborting_again()
    {
        await using var loop = await GivenStuckAndFreshAsync();

        var mark = loop.FailOnceAt("/apis/events.k8s.io/", StuckDue);
        var patch = await loop.RequestAsync(IsStatusPatch);
        var failed = await loop.RequestAsync(IsEventPost);
        var retry = await loop.BackoffAsync(1, armedAfter: mark);
        var retried = await loop.EventAtAsync(retry.DueAt, "checkout", thenParkedUntil: FreshDue);

        loop.ShouldHaveWritten([patch, failed, retried.Post], "the abort once, its Event until it is in");
        retried.EventAction.ShouldBe("Abort");
        loop.Kube.List("events", "shop").ShouldHaveSingleItem()["regarding"]!["name"]!.GetValue<string>().ShouldBe("checkout");
        loop.Run.Actions("Aborted", "failure").ShouldBe(1);
        loop.Run.Actions("Aborted", "success").ShouldBe(1);
    }

    [Fact]
    public async Task A_reconciler_restarted_after_acting_does_not_abort_again_nor_duplicate_an_event()
    {
        await using var loop = await ReconcilerScenario.CreateAsync();
        loop.Given(StuckRevision4("shop", "checkout"), StuckRevision4WithoutAbort("billing", "ledger"));
        await loop.StartAsync(parkedUntil: StuckDue);
        loop.Clock.AdvanceTo(StuckDue);
        await loop.EventsAboutAsync("checkout", "ledger");
        loop.Writes.Count(IsStatusPatch).ShouldBe(1);

        var again = (await loop.RestartAsync(TimeSpan.FromMinutes(10))).ShouldHaveSingleItem("the aborted Rollout is not aborted again");

        (IsEventPost(again) && Regards(again, "ledger")).ShouldBeTrue("only the report-only revision is reported again...");
        loop.Kube.List("events", "billing").Count.ShouldBe(1, "...under the same Event name, so the API server keeps one");
        loop.EventsAbout("checkout").ShouldBe(1);
        loop.Run.Verdicts("idle").ShouldBe(1, "the aborted Rollout is idle");
    }

    [Fact]
    public async Task A_rollout_deleted_while_its_deadline_is_pending_is_forgotten()
    {
        await using var loop = await GivenStuckAndFreshAsync();

        var mark = loop.Clock.ArmedCount;
        loop.Kube.Delete("rollouts", "shop", "checkout");
        await loop.ParkedUntilAsync(FreshDue, armedAfter: mark);
        loop.Clock.AdvanceTo(StuckDue.AddSeconds(5));
        var action = await loop.AbortAtAsync(FreshDue, "catalog");

        loop.Writes.Count().ShouldBe(2);
        action.ShouldHaveAborted("shop", "catalog");
        loop.Kube.Requests.ShouldNotContain(r => r.Path.Contains("/checkout", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_rollout_whose_progress_clock_is_decades_ahead_waits_without_stopping_the_loop()
    {
        // A skewed clock, or a history edited while the webhook was bypassed: the deadline is far beyond what one
        // Task.Delay can wait (about 49.7 days).
        await using var loop = await ReconcilerScenario.CreateAsync();
        loop.Given(StuckRevision4("shop", "checkout"), Fresh("shop", "skewed", Start.AddSeconds(-60), Start.AddYears(100)));
        await loop.StartAsync(parkedUntil: StuckDue);

        await loop.AbortAtAsync(StuckDue, "checkout");
        loop.Clock.Advance(TimeSpan.FromDays(60));
        loop.Given(StuckRevision4("shop", "late", started: loop.Clock.Now.AddHours(-1)));

        (await loop.RequestAsync(r => IsStatusPatch(r) && r.Path == StatusPath("shop", "late"))).ShouldNotBeNull();
        loop.Aborted.ShouldBe([StatusPath("shop", "checkout"), StatusPath("shop", "late")]);
    }

    [Fact]
    public async Task A_list_over_several_pages_is_one_list_and_watch_events_for_rollouts_of_a_later_page_are_applied()
    {
        // Five Rollouts at two per page: three pages. Between the first and the second page, the one on the last page
        // gets stuck and one on the second page is deleted: the pages still show the list as of its first page (as the
        // API server serves them), and the watch from the list's resourceVersion brings both changes.
        await using var loop = await ReconcilerScenario.CreateAsync();
        loop.GivenPageSize(2).Given([.. ((string[])["a-cart", "b-orders", "c-search", "d-ledger", "e-reviews"]).Select(name => Healthy("shop", name, Rev4Started.AddHours(-2)))]);
        loop.Given(Fresh("shop", "f-catalog", Start.AddSeconds(-60), FreshProgress));
        loop.Kube.BeforeAnswering(r => IsRolloutList(r) && r.Query.Contains("continue=", StringComparison.Ordinal), () =>
        {
            loop.Kube.Delete("rollouts", "shop", "c-search");
            loop.Kube.Upsert(StuckRevision4("shop", "e-reviews", started: Start.AddHours(-1)));
        });

        await loop.StartAsync();
        var patch = await loop.RequestAsync(IsStatusPatch);
        await loop.EventAboutAsync("e-reviews");

        loop.Lists.Count.ShouldBe(3, "one list of three pages");
        loop.Lists.ShouldAllBe(r => r.Query.StartsWith("limit=2", StringComparison.Ordinal));
        loop.Lists.Skip(1).ShouldAllBe(r => r.Query.Contains("continue=", StringComparison.Ordinal));
        loop.Kube.Requests.Single(r => r.IsWatch).Sequence.ShouldBeGreaterThan(loop.Lists[^1].Sequence);
        patch.Path.ShouldBe(StatusPath("shop", "e-reviews"));
        loop.Run.Verdicts("exceeded").ShouldBe(1, "the list saw e-reviews healthy; its watch event made it exceeded");
        loop.Run.Metrics.Rollouts.Value.ShouldBe(5, "c-search's deletion came by the watch, before e-reviews' change");
    }

    [Fact]
    public async Task A_policy_that_names_another_exemption_annotation_relists_and_honours_it()
    {
        await using var loop = await ReconcilerScenario.CreateAsync();
        loop.GivenPolicy("""
            apiVersion: deadline-guard.io/v1
            kind: DeadlinePolicy
            spec: {}
            """);
        var sandboxed = StuckRevision4("sandbox-load", "checkout");
        sandboxed["metadata"]!["annotations"]!["example.com/skip"] = "load test";
        loop.Given(sandboxed, FreshCatalog());
        await loop.StartAsync(parkedUntil: StuckDue);

        var mark = loop.Clock.ArmedCount;
        loop.ChangePolicy("""
            apiVersion: deadline-guard.io/v1
            kind: DeadlinePolicy
            spec:
              exemptions:
                annotation: example.com/skip
            """);
        await loop.RequestAsync(IsRolloutList, after: 1);
        await loop.ParkedUntilAsync(FreshDue, armedAfter: mark);
        var action = await loop.AbortAtAsync(FreshDue, "catalog");

        action.ShouldHaveAborted("shop", "catalog");
        loop.Kube.Requests.Where(IsStatusPatch).ShouldHaveSingleItem("the sandboxed Rollout is exempt under the new annotation");
        loop.Lists.Count.ShouldBe(2, "listed again to read the new annotation");
    }

    [Fact]
    public async Task A_relist_that_fails_midway_and_starts_over_forgets_only_what_the_complete_relist_did_not_name()
    {
        // The informer swapped for a script: the loop's bookkeeping of lists, pages and watch events on its own.
        await using var loop = await ReconcilerScenario.CreateAsync();
        var informers = new ScriptedInformers();
        var fresh = Snapshots.From(FreshCatalog());
        RolloutSnapshot Healthy(string name) => Snapshots.From(RolloutObjects.Healthy("shop", name, Rev4Started.AddHours(-2)));
        informers.Send(new RolloutChange.Listed(null, [fresh, Healthy("a"), Healthy("b")], First: true, Last: false));
        informers.Send(new RolloutChange.Listed(null, [Healthy("c")], First: false, Last: true));
        await loop.GivenInformers(informers).StartAsync();
        loop.Run.Metrics.Rollouts.Value.ShouldBe(4);

        async Task SendAsync(RolloutChange change)
        {
            var mark = loop.Clock.ArmedCount;
            informers.Send(change);
            await loop.ParkedUntilAsync(FreshDue, armedAfter: mark); // the loop has applied it
        }

        await SendAsync(new RolloutChange.Listed(null, [fresh, Healthy("a")], First: true, Last: false)); // a relist cut off after one page
        loop.Run.Metrics.Rollouts.Value.ShouldBe(4, "an unfinished list forgets nothing");
        await SendAsync(new RolloutChange.Listed(null, [fresh, Healthy("b")], First: true, Last: true));
        loop.Run.Metrics.Rollouts.Value.ShouldBe(2, "a and c, which the complete relist did not name, are gone");
        await SendAsync(new RolloutChange.Upserted(Healthy("d")));
        await SendAsync(new RolloutChange.Deleted(Healthy("b")));
        loop.Run.Metrics.Rollouts.Value.ShouldBe(2);
        loop.Kube.Requests.ShouldBeEmpty("the scripted informer made no request");
    }

    [Fact]
    public async Task A_deadline_raised_mid_revision_is_obeyed_no_abort_before_the_new_deadline_and_grace()
    {
        await using var loop = await ReconcilerScenario.CreateAsync();
        loop.Given(StuckRevision4("shop", "checkout"));
        await loop.StartAsync(parkedUntil: StuckDue);

        // Before the 60 s run out, the owner raises the deadline to 3600 s (a spec change: generation 5), and Argo
        // observes it. The revision, its start and its progress are unchanged.
        var mark = loop.Clock.ArmedCount;
        loop.Kube.Modify("rollouts", "shop", "checkout", r =>
        {
            r["spec"]!["progressDeadlineSeconds"] = 3600;
            r["metadata"]!["generation"] = 5;
        });
        loop.Kube.Modify("rollouts", "shop", "checkout", r => Status(r)["observedGeneration"] = "5");
        var raisedDue = T0.AddSeconds(3600 + 30);
        await loop.ParkedUntilAsync(raisedDue, armedAfter: mark);
        loop.Clock.AdvanceTo(StuckDue.AddMinutes(1));
        loop.Clock.AdvanceTo(raisedDue.AddSeconds(-1));
        loop.ShouldHaveWrittenNothing("the old deadline is not the one in force");
        loop.LoopTimers.Where(t => t.Sequence > mark).Select(t => t.DueAt).ShouldBe([raisedDue], "one wake-up, for the new deadline");
        var action = await loop.AbortAtAsync(raisedDue, "checkout");

        action.ShouldHaveAborted("shop", "checkout");
        action.Note.ShouldContain("past its 3600s progress deadline (changed from the 60s in force when the revision started)");
        loop.ShouldHaveWritten(action.Writes);
    }
}

using System.Text.Json.Nodes;
using DeadlineGuard.Reconciler;
using DeadlineGuard.Tests.Policy;
using DeadlineGuard.Tests.Support;
using DeadlineGuard.Tests.Support.FakeKube;
using static DeadlineGuard.Tests.Reconciler.RolloutObjects;

namespace DeadlineGuard.Tests.Reconciler;

/// <summary>
/// The reconciler's loop against the fake API server through the real KubernetesClient (list, watch, status patch,
/// events), on a clock the test moves: it waits until the loop is parked on the timer it expects, then advances.
/// </summary>
public sealed class DeadlineReconcilerTests
{
    /// <summary>The stuck revision 4's last recorded progress (its Progressing lastUpdateTime).</summary>
    private static readonly DateTimeOffset T0 = Rev4Started.AddSeconds(2);

    /// <summary>The reconciler starts 10 s later.</summary>
    private static readonly DateTimeOffset Start = T0.AddSeconds(10);

    /// <summary>60 s deadline + 30 s grace after the last progress.</summary>
    private static readonly DateTimeOffset StuckDue = T0.AddSeconds(60 + 30);

    /// <summary>The fresh Rollout last progressed 5 s before the start, with the injected 600 s deadline.</summary>
    private static readonly DateTimeOffset FreshProgress = Start.AddSeconds(-5);

    private static readonly DateTimeOffset FreshDue = FreshProgress.AddSeconds(600 + 30);

    private static readonly TimeSpan Wait = ReconcilerRun.Wait;

    private static readonly JsonNode AbortPatch = JsonNode.Parse("""{"status":{"abort":true}}""")!;

    /// <summary>
    /// The seed: the stuck revision 4 among Rollouts the reconciler must leave alone. Returns the stored copies of
    /// those others, by "namespace/name".
    /// </summary>
    private static Dictionary<string, JsonObject> SeedTheCluster(FakeKubeApiServer kube)
    {
        var (stuck, others) = Cluster(Rev4Started, FreshProgress);
        kube.Seed(stuck);
        return others.Select(kube.Seed).ToDictionary(o => $"{Namespace(o)}/{Name(o)}");
    }

    [Fact]
    public async Task Only_the_stuck_revision_4_is_aborted_once_its_deadline_and_grace_have_passed_with_one_event()
    {
        await using var kube = await FakeKubeApiServer.StartAsync();
        var others = SeedTheCluster(kube);
        var clock = new ObservedClock(Start);
        await using var run = await ReconcilerRun.StartAsync(kube, clock);

        // Parked until the first deadline: the stuck revision's.
        await clock.WaitForTimerAsync(t => t.DueAt == StuckDue, Wait);
        clock.AdvanceTo(StuckDue.AddSeconds(-1));
        kube.Requests.Where(IsWrite).ShouldBeEmpty("nothing is due one second before the deadline plus grace");

        var (patch, post) = await AdvancePastAndWaitForActionAsync(kube, clock, StuckDue.AddSeconds(1), "checkout", parkedUntil: FreshDue);

        patch.Path.ShouldBe(StatusPath("shop", "checkout"));
        patch.ContentType.ShouldNotBeNull().ShouldStartWith("application/merge-patch+json");
        JsonNode.DeepEquals(JsonNode.Parse(patch.Body), AbortPatch).ShouldBeTrue(patch.Body);
        post.Path.ShouldBe("/apis/events.k8s.io/v1/namespaces/shop/events");
        var ev = JsonNode.Parse(post.Body)!.AsObject();
        ev.ShouldSatisfyAllConditions(
            e => e["type"]!.GetValue<string>().ShouldBe("Warning"),
            e => e["reason"]!.GetValue<string>().ShouldBe("ProgressDeadlineExceeded"),
            e => e["action"]!.GetValue<string>().ShouldBe("Abort"),
            e => e["reportingController"]!.GetValue<string>().ShouldBe("deadline-guard.io/reconciler"),
            e => e["regarding"]!["kind"]!.GetValue<string>().ShouldBe("Rollout"),
            e => e["regarding"]!["apiVersion"]!.GetValue<string>().ShouldBe("argoproj.io/v1alpha1"),
            e => e["regarding"]!["namespace"]!.GetValue<string>().ShouldBe("shop"),
            e => e["regarding"]!["name"]!.GetValue<string>().ShouldBe("checkout"),
            e => e["regarding"]!["uid"]!.GetValue<string>().ShouldBe("uid-shop-checkout"),
            e => e["note"]!.GetValue<string>().ShouldContain("revision 4"),
            e => e["note"]!.GetValue<string>().ShouldContain("60s progress deadline"),
            e => e["note"]!.GetValue<string>().ShouldContain($"no progress since {Time(T0)}"),
            e => e["note"]!.GetValue<string>().ShouldContain("aborted it"),
            e => e["metadata"]!["name"]!.GetValue<string>().ShouldStartWith("checkout.deadline-guard."));

        kube.Requests.Where(IsWrite).ShouldBe([patch, post], "one abort and one Event, nothing else written");
        Status(kube.Get("rollouts", "shop", "checkout")!)["abort"]!.GetValue<bool>().ShouldBeTrue();
        kube.List("events", "shop").ShouldHaveSingleItem()["reason"]!.GetValue<string>().ShouldBe("ProgressDeadlineExceeded");
        kube.List("events", "sandbox-load").ShouldBeEmpty();
        ShouldBeUntouched(kube, others);
        run.Actions("Aborted", "success").ShouldBe(1);
    }

    [Fact]
    public async Task The_aborted_rollout_coming_back_through_the_watch_is_not_acted_on_again_however_long_it_waits()
    {
        await using var kube = await FakeKubeApiServer.StartAsync();
        var others = SeedTheCluster(kube);
        var clock = new ObservedClock(Start);
        await using var run = await ReconcilerRun.StartAsync(kube, clock);
        var idle = run.Verdicts("idle");
        await clock.WaitForTimerAsync(t => t.DueAt == StuckDue, Wait);
        await AdvancePastAndWaitForActionAsync(kube, clock, StuckDue.AddSeconds(1), "checkout", parkedUntil: FreshDue);

        // The abort's MODIFIED is already queued on the watch (the status patch was answered before the Event was
        // posted). A later change behind it, progress on the fresh Rollout, moves that one's deadline: once the loop
        // is parked on the new one, it has judged the aborted Rollout again.
        var progressAt = clock.Now;
        kube.Modify("rollouts", "shop", "catalog", r => RecordProgress(r, progressAt));
        var freshDue = progressAt.AddSeconds(630);
        await clock.WaitForTimerAsync(t => t.DueAt == freshDue, Wait);
        run.Verdicts("idle").ShouldBe(idle + 1, "the aborted Rollout is judged idle (already aborted)");

        clock.AdvanceTo(freshDue.AddSeconds(-1));
        kube.Requests.Count(IsWrite).ShouldBe(2);
        var (patch, _) = await AdvancePastAndWaitForActionAsync(kube, clock, freshDue, "catalog", parkedUntil: null);
        patch.Path.ShouldBe(StatusPath("shop", "catalog"));
        clock.Advance(TimeSpan.FromHours(5));
        kube.Seed(StuckRevision4("shop", "late", started: clock.Now.AddHours(-1)));
        await kube.WaitForRequestAsync(r => r.Method == "POST" && Regards(r, "late"), Wait);

        kube.Requests.Where(IsStatusPatch).Select(r => r.Path).ShouldBe([StatusPath("shop", "checkout"), StatusPath("shop", "catalog"), StatusPath("shop", "late")]);
        kube.Requests.Count(r => IsEventPost(r) && Regards(r, "checkout")).ShouldBe(1);
        ShouldBeUntouched(kube, others, except: "shop/catalog");
    }

    [Fact]
    public async Task A_fresh_revision_is_aborted_only_after_its_own_600_s_and_grace_on_a_single_scheduled_wake_up()
    {
        await using var kube = await FakeKubeApiServer.StartAsync();
        kube.Seed(Fresh("shop", "catalog", Start.AddSeconds(-60), FreshProgress));
        kube.Seed(Healthy("shop", "cart", Rev4Started.AddHours(-2)));
        var clock = new ObservedClock(Start);
        await using var run = await ReconcilerRun.StartAsync(kube, clock);
        await clock.WaitForTimerAsync(t => t.DueAt == FreshDue, Wait);
        await kube.WaitForWatchAsync(); // the watch follows the list: count from when it is open
        var requests = kube.Requests.Count;

        // Big steps up to a second before: no wake-up, no request.
        while (clock.Now.AddSeconds(100) < FreshDue)
        {
            clock.Advance(TimeSpan.FromSeconds(100));
        }

        clock.AdvanceTo(FreshDue.AddSeconds(-1));
        kube.Requests.Count.ShouldBe(requests, "nothing happens before the deadline plus grace");

        var (patch, post) = await AdvancePastAndWaitForActionAsync(kube, clock, FreshDue, "catalog", parkedUntil: null);

        patch.Path.ShouldBe(StatusPath("shop", "catalog"));
        var note = JsonNode.Parse(post.Body)!["note"]!.GetValue<string>();
        note.ShouldContain("600s progress deadline");
        note.ShouldContain($"no progress since {Time(FreshProgress)}");
        kube.Requests.Skip(requests).ShouldBe([patch, post], "no request between the start and the deadline: no polling");
        LoopTimers(clock, run).Select(t => t.DueAt).ShouldBe([FreshDue], "the loop armed one wake-up, for the deadline");
    }

    [Fact]
    public async Task A_revision_recorded_without_abort_gets_the_event_and_no_status_patch()
    {
        await using var kube = await FakeKubeApiServer.StartAsync();
        var stored = kube.Seed(StuckRevision4WithoutAbort("shop", "checkout"));
        kube.Seed(Fresh("shop", "catalog", Start.AddSeconds(-60), FreshProgress));
        var clock = new ObservedClock(Start);
        await using var run = await ReconcilerRun.StartAsync(kube, clock);
        await clock.WaitForTimerAsync(t => t.DueAt == StuckDue, Wait);

        var (_, post) = await ActionAsync(kube, clock, () => clock.AdvanceTo(StuckDue), "checkout", parkedUntil: FreshDue, abort: false);

        var ev = JsonNode.Parse(post.Body)!;
        ev["action"]!.GetValue<string>().ShouldBe("Report");
        ev["regarding"]!["name"]!.GetValue<string>().ShouldBe("checkout");
        ev["note"]!.GetValue<string>().ShouldContain("did not abort it: progressDeadlineAbort is false for this revision");
        kube.Requests.Where(IsWrite).ShouldBe([post]);
        JsonNode.DeepEquals(kube.Get("rollouts", "shop", "checkout"), stored).ShouldBeTrue("the Rollout is left as it was");
        run.Actions("Reported", "success").ShouldBe(1);
        run.Actions("Aborted", "success").ShouldBe(0);
    }

    [Fact]
    public async Task Dry_run_emits_a_would_abort_event_once_and_changes_nothing()
    {
        await using var kube = await FakeKubeApiServer.StartAsync();
        kube.Seed(StuckRevision4("shop", "checkout"));
        kube.Seed(Fresh("shop", "catalog", Start.AddSeconds(-60), FreshProgress));
        var clock = new ObservedClock(Start);
        await using var run = await ReconcilerRun.StartAsync(kube, clock, o => o.DryRun = true);
        await clock.WaitForTimerAsync(t => t.DueAt == StuckDue, Wait);

        clock.AdvanceTo(StuckDue);
        var post = await kube.WaitForRequestAsync(IsEventPost, Wait);

        // Still stuck (nothing was aborted): a later change to it is judged exceeded again, but acted on once only.
        clock.Advance(TimeSpan.FromMinutes(5));
        await ActionAsync(
            kube,
            clock,
            () =>
            {
                kube.Modify("rollouts", "shop", "checkout", r => r["metadata"]!["labels"]!["team"] = "web");
                kube.Seed(StuckRevision4("shop", "late", started: clock.Now.AddHours(-1)));
            },
            "late",
            parkedUntil: FreshDue,
            abort: false);

        var ev = JsonNode.Parse(post.Body)!;
        ev["action"]!.GetValue<string>().ShouldBe("WouldAbort");
        ev["regarding"]!["name"]!.GetValue<string>().ShouldBe("checkout");
        ev["note"]!.GetValue<string>().ShouldContain("would abort it (dry run: nothing changed)");
        kube.Requests.Where(IsWrite).ShouldAllBe(r => IsEventPost(r), "dry run writes nothing but Events");
        kube.Requests.Count(r => IsEventPost(r) && Regards(r, "checkout")).ShouldBe(1, "acted once, even in dry run");
        kube.Requests.Count(r => IsEventPost(r) && Regards(r, "catalog")).ShouldBe(0);
        kube.List("rollouts").ShouldAllBe(r => !Status(r)["abort"]!.GetValue<bool>());
        run.Verdicts("exceeded").ShouldBe(3);
        run.Actions("WouldAbort", "success").ShouldBe(2);
    }

    [Fact]
    public async Task A_failed_dry_run_event_is_counted_as_would_abort_and_retried()
    {
        await using var kube = await FakeKubeApiServer.StartAsync();
        kube.Seed(StuckRevision4("shop", "checkout"));
        kube.Seed(Fresh("shop", "catalog", Start.AddSeconds(-60), FreshProgress));
        var clock = new ObservedClock(Start);
        await using var run = await ReconcilerRun.StartAsync(kube, clock, o => o.DryRun = true);
        await clock.WaitForTimerAsync(t => t.DueAt == StuckDue, Wait);
        kube.FailNext(1, 500, "/apis/events.k8s.io/");

        var mark = clock.ArmedCount;
        clock.AdvanceTo(StuckDue);
        var failed = await kube.WaitForRequestAsync(IsEventPost, Wait);
        var retry = await clock.WaitForTimerAsync(t => t.Sequence > mark && t.DueTime <= TimeSpan.FromSeconds(1.2), Wait);
        run.Actions("WouldAbort", "failure").ShouldBe(1);
        run.Actions("Reported", "failure").ShouldBe(0);

        var (_, post) = await ActionAsync(kube, clock, () => clock.AdvanceTo(retry.DueAt), "checkout", parkedUntil: FreshDue, abort: false);

        kube.Requests.Where(IsWrite).ShouldBe([failed, post]);
        JsonNode.Parse(post.Body)!["action"]!.GetValue<string>().ShouldBe("WouldAbort");
        run.Actions("WouldAbort", "success").ShouldBe(1);
    }

    [Fact]
    public async Task A_watch_the_server_ends_is_resumed_from_the_last_resource_version_and_later_changes_still_arrive()
    {
        await using var kube = await FakeKubeApiServer.StartAsync();
        kube.Seed(Healthy("shop", "cart", Rev4Started.AddHours(-2)));
        var clock = new ObservedClock(Start);
        await using var run = await ReconcilerRun.StartAsync(kube, clock);
        await kube.WaitForWatchAsync(1, Wait);

        var seen = kube.Modify("rollouts", "shop", "cart", r => r["metadata"]!["labels"]!["team"] = "web")["metadata"]!["resourceVersion"]!.GetValue<string>();
        kube.EndWatches();
        var second = await kube.WaitForWatchAsync(2, Wait);
        second.Query.ShouldContain($"resourceVersion={seen}");

        kube.EndWatches(); // this time before any event: KubernetesClient reports it as an end of stream
        var third = await kube.WaitForWatchAsync(3, Wait);
        third.Query.ShouldContain($"resourceVersion={seen}");

        kube.Seed(StuckRevision4("shop", "checkout", started: Start.AddHours(-1)));
        var patch = await kube.WaitForRequestAsync(IsStatusPatch, Wait);
        patch.Path.ShouldBe(StatusPath("shop", "checkout"));
        kube.Requests.Count(IsRolloutList).ShouldBe(1, "a watch that ends is resumed, not relisted");
        run.WatchRestarts("closed").ShouldBe(2);
    }

    [Fact]
    public async Task A_watch_answered_410_gone_relists()
    {
        await using var kube = await FakeKubeApiServer.StartAsync();
        kube.Seed(Healthy("shop", "cart", Rev4Started.AddHours(-2)));
        var clock = new ObservedClock(Start);
        await using var run = await ReconcilerRun.StartAsync(kube, clock);
        await kube.WaitForWatchAsync(1, Wait);

        kube.NextWatchReturns410();
        kube.EndWatches();
        await kube.WaitForWatchAsync(2, Wait);
        var gone = kube.Requests.Where(r => r.IsWatch).ElementAt(1);
        var lists = kube.Requests.Where(IsRolloutList).ToList();
        lists.Count.ShouldBe(2);
        lists[1].Sequence.ShouldBeGreaterThan(gone.Sequence, "the relist follows the 410");

        kube.Seed(StuckRevision4("shop", "checkout", started: Start.AddHours(-1)));
        (await kube.WaitForRequestAsync(IsStatusPatch, Wait)).Path.ShouldBe(StatusPath("shop", "checkout"));
        run.WatchRestarts("expired").ShouldBe(1);
    }

    [Fact]
    public async Task After_a_failed_watch_and_its_backoff_an_expired_version_relists_and_what_was_deleted_meanwhile_is_forgotten()
    {
        await using var kube = await FakeKubeApiServer.StartAsync();
        kube.Seed(Fresh("shop", "catalog", Start.AddSeconds(-60), FreshProgress));
        kube.Seed(Fresh("shop", "search", Start.AddSeconds(-60), FreshProgress, deadlineSeconds: 900));
        var searchDue = FreshProgress.AddSeconds(900 + 30);
        var clock = new ObservedClock(Start);
        await using var run = await ReconcilerRun.StartAsync(kube, clock);
        await kube.WaitForWatchAsync(1, Wait);

        // The next watch fails: the informer backs off about a second on the clock.
        kube.FailNext(1, 500, "watch=true");
        var mark = clock.ArmedCount;
        kube.EndWatches();
        var backoff = await clock.WaitForTimerAsync(t => t.Sequence > mark && t.DueTime >= TimeSpan.FromSeconds(0.8) && t.DueTime <= TimeSpan.FromSeconds(1.2), Wait);
        var watches = kube.Requests.Count(r => r.IsWatch);

        // Meanwhile: one Rollout is deleted, a stuck one appears, and etcd compacts past the informer's version.
        kube.Delete("rollouts", "shop", "catalog");
        kube.Seed(StuckRevision4("shop", "checkout", started: Start.AddHours(-1)));
        kube.ExpireWatchesBefore(kube.ResourceVersion);
        kube.Requests.Count(r => r.IsWatch).ShouldBe(watches, "no retry before the backoff has passed");

        clock.Advance(backoff.DueTime);
        (await kube.WaitForRequestAsync(IsStatusPatch, Wait)).Path.ShouldBe(StatusPath("shop", "checkout"));
        kube.Requests.Count(IsRolloutList).ShouldBe(2);

        // After the relist the loop sleeps until the remaining Rollout's deadline, not the deleted one's (earlier).
        await clock.WaitForTimerAsync(t => t.Sequence > backoff.Sequence && t.DueAt == searchDue, Wait);
        LoopTimers(clock, run).ShouldNotContain(t => t.Sequence > backoff.Sequence && t.DueAt == FreshDue);
        await AdvancePastAndWaitForActionAsync(kube, clock, searchDue, "search", parkedUntil: null);
        kube.Requests.Where(IsStatusPatch).Select(r => r.Path).ShouldBe([StatusPath("shop", "checkout"), StatusPath("shop", "search")]);
        run.WatchRestarts("error").ShouldBe(1);
        run.WatchRestarts("expired").ShouldBe(1);
    }

    [Fact]
    public async Task A_failing_first_list_is_retried_with_growing_backoff_until_it_syncs()
    {
        await using var kube = await FakeKubeApiServer.StartAsync();
        kube.Seed(StuckRevision4("shop", "checkout", started: Start.AddHours(-1)));
        kube.FailNext(2, 503, "/rollouts?limit=");
        var clock = new ObservedClock(Start);
        await using var run = ReconcilerRun.Launch(kube, clock);

        var first = await clock.WaitForTimerAsync(t => t.DueTime >= TimeSpan.FromSeconds(0.8) && t.DueTime <= TimeSpan.FromSeconds(1.2), Wait);
        kube.Requests.Count(IsRolloutList).ShouldBe(1);
        clock.Advance(first.DueTime);
        var second = await clock.WaitForTimerAsync(t => t.Sequence > first.Sequence && t.DueTime >= TimeSpan.FromSeconds(1.6) && t.DueTime <= TimeSpan.FromSeconds(2.4), Wait);
        kube.Requests.Count(IsRolloutList).ShouldBe(2);
        run.Reconciler.Synced.IsCompleted.ShouldBeFalse();

        clock.Advance(second.DueTime);
        await run.SyncedAsync();

        kube.Requests.Count(IsRolloutList).ShouldBe(3);
        kube.Requests.Where(IsStatusPatch).ShouldHaveSingleItem().Path.ShouldBe(StatusPath("shop", "checkout"));
        run.WatchRestarts("error").ShouldBe(2);
    }

    [Fact]
    public async Task A_failing_abort_is_retried_after_a_backoff_and_succeeds_once()
    {
        await using var kube = await FakeKubeApiServer.StartAsync();
        kube.Seed(StuckRevision4("shop", "checkout"));
        kube.Seed(Fresh("shop", "catalog", Start.AddSeconds(-60), FreshProgress));
        var clock = new ObservedClock(Start);
        await using var run = await ReconcilerRun.StartAsync(kube, clock);
        await clock.WaitForTimerAsync(t => t.DueAt == StuckDue, Wait);
        kube.FailNext(1, 500, "/status");

        var mark = clock.ArmedCount;
        clock.AdvanceTo(StuckDue);
        var failed = await kube.WaitForRequestAsync(IsStatusPatch, Wait);
        var retry = await clock.WaitForTimerAsync(t => t.Sequence > mark && t.DueTime >= TimeSpan.FromSeconds(0.8) && t.DueTime <= TimeSpan.FromSeconds(1.2), Wait);
        kube.Requests.Where(IsWrite).ShouldBe([failed], "no Event for a failed abort, and no retry before the backoff");
        run.Actions("Aborted", "failure").ShouldBe(1);

        var (patch, post) = await AdvancePastAndWaitForActionAsync(kube, clock, retry.DueAt, "checkout", parkedUntil: FreshDue);

        patch.Sequence.ShouldBeGreaterThan(failed.Sequence);
        kube.Requests.Where(IsWrite).ShouldBe([failed, patch, post]);
        Status(kube.Get("rollouts", "shop", "checkout")!)["abort"]!.GetValue<bool>().ShouldBeTrue();
        kube.List("events", "shop").Count.ShouldBe(1);
        run.Actions("Aborted", "success").ShouldBe(1);
    }

    [Fact]
    public async Task An_event_that_fails_after_the_abort_is_retried_after_a_backoff_without_aborting_again()
    {
        await using var kube = await FakeKubeApiServer.StartAsync();
        kube.Seed(StuckRevision4("shop", "checkout"));
        kube.Seed(Fresh("shop", "catalog", Start.AddSeconds(-60), FreshProgress));
        var clock = new ObservedClock(Start);
        await using var run = await ReconcilerRun.StartAsync(kube, clock);
        await clock.WaitForTimerAsync(t => t.DueAt == StuckDue, Wait);
        kube.FailNext(1, 500, "/apis/events.k8s.io/");

        var mark = clock.ArmedCount;
        clock.AdvanceTo(StuckDue);
        var patch = await kube.WaitForRequestAsync(IsStatusPatch, Wait);
        var failed = await kube.WaitForRequestAsync(IsEventPost, Wait);
        var retry = await clock.WaitForTimerAsync(t => t.Sequence > mark && t.DueTime >= TimeSpan.FromSeconds(0.8) && t.DueTime <= TimeSpan.FromSeconds(1.2), Wait);

        var requests = kube.Requests.Count;
        clock.AdvanceTo(retry.DueAt);
        var post = await kube.WaitForRequestAsync(r => r.Sequence > requests && IsEventPost(r), Wait);
        await clock.WaitForTimerAsync(t => t.Sequence > retry.Sequence && t.DueAt == FreshDue, Wait);

        kube.Requests.Where(IsWrite).ShouldBe([patch, failed, post], "the abort once, its Event until it is in");
        JsonNode.Parse(post.Body)!["action"]!.GetValue<string>().ShouldBe("Abort");
        kube.List("events", "shop").ShouldHaveSingleItem()["regarding"]!["name"]!.GetValue<string>().ShouldBe("checkout");
        run.Actions("Aborted", "failure").ShouldBe(1);
        run.Actions("Aborted", "success").ShouldBe(1);
    }

    [Fact]
    public async Task A_reconciler_restarted_after_acting_does_not_abort_again_nor_duplicate_an_event()
    {
        await using var kube = await FakeKubeApiServer.StartAsync();
        kube.Seed(StuckRevision4("shop", "checkout"));
        kube.Seed(StuckRevision4WithoutAbort("billing", "ledger"));
        var clock = new ObservedClock(Start);
        await using (var first = await ReconcilerRun.StartAsync(kube, clock))
        {
            await clock.WaitForTimerAsync(t => t.DueAt == StuckDue, Wait);
            clock.AdvanceTo(StuckDue);
            await kube.WaitForRequestAsync(r => IsEventPost(r) && Regards(r, "checkout"), Wait);
            await kube.WaitForRequestAsync(r => IsEventPost(r) && Regards(r, "ledger"), Wait);
            await first.StopAsync();
        }

        var writes = kube.Requests.Where(IsWrite).ToList();
        writes.Count(IsStatusPatch).ShouldBe(1);
        var mark = kube.Requests.Count;

        clock.Advance(TimeSpan.FromMinutes(10));
        await using var second = await ReconcilerRun.StartAsync(kube, clock);

        // The first list was judged (and acted on) before Synced: its requests are all in.
        var again = kube.Requests.Skip(mark).Where(IsWrite).ShouldHaveSingleItem("the aborted Rollout is not aborted again");
        (IsEventPost(again) && Regards(again, "ledger")).ShouldBeTrue("only the report-only revision is reported again...");
        kube.List("events", "billing").Count.ShouldBe(1, "...under the same Event name, so the API server keeps one");
        kube.Requests.Count(r => IsEventPost(r) && Regards(r, "checkout")).ShouldBe(1);
        second.Verdicts("idle").ShouldBe(1, "the aborted Rollout is idle");
    }

    [Fact]
    public async Task A_rollout_deleted_while_its_deadline_is_pending_is_forgotten()
    {
        await using var kube = await FakeKubeApiServer.StartAsync();
        kube.Seed(StuckRevision4("shop", "checkout"));
        kube.Seed(Fresh("shop", "catalog", Start.AddSeconds(-60), FreshProgress));
        var clock = new ObservedClock(Start);
        await using var run = await ReconcilerRun.StartAsync(kube, clock);
        await clock.WaitForTimerAsync(t => t.DueAt == StuckDue, Wait);

        var mark = clock.ArmedCount;
        kube.Delete("rollouts", "shop", "checkout");
        await clock.WaitForTimerAsync(t => t.Sequence > mark && t.DueAt == FreshDue, Wait);
        clock.AdvanceTo(StuckDue.AddSeconds(5));
        var (patch, _) = await AdvancePastAndWaitForActionAsync(kube, clock, FreshDue, "catalog", parkedUntil: null);

        kube.Requests.Where(IsWrite).Count().ShouldBe(2);
        patch.Path.ShouldBe(StatusPath("shop", "catalog"));
        kube.Requests.ShouldNotContain(r => r.Path.Contains("/checkout", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_rollout_whose_progress_clock_is_decades_ahead_waits_without_stopping_the_loop()
    {
        // A skewed clock, or a history edited while the webhook was bypassed: the deadline is far beyond what one
        // Task.Delay can wait (about 49.7 days).
        await using var kube = await FakeKubeApiServer.StartAsync();
        kube.Seed(StuckRevision4("shop", "checkout"));
        kube.Seed(Fresh("shop", "skewed", Start.AddSeconds(-60), Start.AddYears(100)));
        var clock = new ObservedClock(Start);
        await using var run = await ReconcilerRun.StartAsync(kube, clock);
        await clock.WaitForTimerAsync(t => t.DueAt == StuckDue, Wait);

        await AdvancePastAndWaitForActionAsync(kube, clock, StuckDue, "checkout", parkedUntil: null);
        clock.Advance(TimeSpan.FromDays(60));
        kube.Seed(StuckRevision4("shop", "late", started: clock.Now.AddHours(-1)));

        (await kube.WaitForRequestAsync(r => IsStatusPatch(r) && r.Path == StatusPath("shop", "late"), Wait)).ShouldNotBeNull();
        kube.Requests.Where(IsStatusPatch).Select(r => r.Path).ShouldBe([StatusPath("shop", "checkout"), StatusPath("shop", "late")]);
    }

    [Fact]
    public async Task A_list_over_several_pages_is_one_list_and_watch_events_for_rollouts_of_a_later_page_are_applied()
    {
        // Five Rollouts at two per page: three pages. Between the first and the second page, the one on the last page
        // gets stuck and one on the second page is deleted: the pages still show the list as of its first page (as the
        // API server serves them), and the watch from the list's resourceVersion brings both changes.
        await using var kube = await FakeKubeApiServer.StartAsync();
        foreach (var name in (string[])["a-cart", "b-orders", "c-search", "d-ledger", "e-reviews"])
        {
            kube.Seed(Healthy("shop", name, Rev4Started.AddHours(-2)));
        }

        kube.Seed(Fresh("shop", "f-catalog", Start.AddSeconds(-60), FreshProgress));
        kube.BeforeAnswering(r => IsRolloutList(r) && r.Query.Contains("continue=", StringComparison.Ordinal), () =>
        {
            kube.Delete("rollouts", "shop", "c-search");
            kube.Upsert(StuckRevision4("shop", "e-reviews", started: Start.AddHours(-1)));
        });
        var clock = new ObservedClock(Start);

        await using var run = await ReconcilerRun.StartAsync(kube, clock, pageSize: 2);
        var patch = await kube.WaitForRequestAsync(IsStatusPatch, Wait);
        await kube.WaitForRequestAsync(r => IsEventPost(r) && Regards(r, "e-reviews"), Wait);

        var lists = kube.Requests.Where(IsRolloutList).ToList();
        lists.Count.ShouldBe(3, "one list of three pages");
        lists.ShouldAllBe(r => r.Query.StartsWith("limit=2", StringComparison.Ordinal));
        lists.Skip(1).ShouldAllBe(r => r.Query.Contains("continue=", StringComparison.Ordinal));
        var watch = kube.Requests.Single(r => r.IsWatch);
        watch.Sequence.ShouldBeGreaterThan(lists[^1].Sequence);
        patch.Path.ShouldBe(StatusPath("shop", "e-reviews"));
        run.Verdicts("exceeded").ShouldBe(1, "the list saw e-reviews healthy; its watch event made it exceeded");
        run.Metrics.Rollouts.Value.ShouldBe(5, "c-search's deletion came by the watch, before e-reviews' change");
    }

    [Fact]
    public async Task A_policy_that_names_another_exemption_annotation_relists_and_honours_it()
    {
        using var policy = new PolicyFile("""
            apiVersion: deadline-guard.io/v1
            kind: DeadlinePolicy
            spec: {}
            """);
        await using var kube = await FakeKubeApiServer.StartAsync();
        var sandboxed = StuckRevision4("sandbox-load", "checkout");
        sandboxed["metadata"]!["annotations"]!["example.com/skip"] = "load test";
        kube.Seed(sandboxed);
        kube.Seed(Fresh("shop", "catalog", Start.AddSeconds(-60), FreshProgress));
        var clock = new ObservedClock(Start);
        await using var run = await ReconcilerRun.StartAsync(kube, clock, policyFile: policy.FilePath);
        await clock.WaitForTimerAsync(t => t.DueAt == StuckDue, Wait);

        File.WriteAllText(policy.FilePath, """
            apiVersion: deadline-guard.io/v1
            kind: DeadlinePolicy
            spec:
              exemptions:
                annotation: example.com/skip
            """);
        var mark = clock.ArmedCount;
        run.Policies.Reload().ShouldBeTrue();
        await kube.WaitForRequestAsync(r => IsRolloutList(r) && r.Sequence > 1, Wait);
        await clock.WaitForTimerAsync(t => t.Sequence > mark && t.DueAt == FreshDue, Wait);

        var (patch, _) = await AdvancePastAndWaitForActionAsync(kube, clock, FreshDue, "catalog", parkedUntil: null);
        patch.Path.ShouldBe(StatusPath("shop", "catalog"));
        kube.Requests.Where(IsStatusPatch).ShouldHaveSingleItem("the sandboxed Rollout is exempt under the new annotation");
        kube.Requests.Count(IsRolloutList).ShouldBe(2, "listed again to read the new annotation");
    }

    [Fact]
    public async Task A_relist_that_fails_midway_and_starts_over_forgets_only_what_the_complete_relist_did_not_name()
    {
        // The informer swapped for a script: the loop's bookkeeping of lists, pages and watch events on its own.
        await using var kube = await FakeKubeApiServer.StartAsync();
        var informers = new ScriptedInformers();
        var clock = new ObservedClock(Start);
        var fresh = Snapshots.From(Fresh("shop", "catalog", Start.AddSeconds(-60), FreshProgress));
        RolloutSnapshot Healthy(string name) => Snapshots.From(RolloutObjects.Healthy("shop", name, Rev4Started.AddHours(-2)));
        informers.Send(new RolloutChange.Listed(null, [fresh, Healthy("a"), Healthy("b")], First: true, Last: false));
        informers.Send(new RolloutChange.Listed(null, [Healthy("c")], First: false, Last: true));

        await using var run = await ReconcilerRun.StartAsync(kube, clock, informers: informers);
        run.Metrics.Rollouts.Value.ShouldBe(4);

        async Task SendAsync(RolloutChange change)
        {
            var mark = clock.ArmedCount;
            informers.Send(change);
            await clock.WaitForTimerAsync(t => t.Sequence > mark && t.DueAt == FreshDue, Wait); // the loop has applied it
        }

        await SendAsync(new RolloutChange.Listed(null, [fresh, Healthy("a")], First: true, Last: false)); // a relist cut off after one page
        run.Metrics.Rollouts.Value.ShouldBe(4, "an unfinished list forgets nothing");
        await SendAsync(new RolloutChange.Listed(null, [fresh, Healthy("b")], First: true, Last: true));
        run.Metrics.Rollouts.Value.ShouldBe(2, "a and c, which the complete relist did not name, are gone");
        await SendAsync(new RolloutChange.Upserted(Healthy("d")));
        await SendAsync(new RolloutChange.Deleted(Healthy("b")));
        run.Metrics.Rollouts.Value.ShouldBe(2);
        kube.Requests.ShouldBeEmpty("the scripted informer made no request");
    }

    [Fact]
    public async Task A_deadline_raised_mid_revision_is_obeyed_no_abort_before_the_new_deadline_and_grace()
    {
        await using var kube = await FakeKubeApiServer.StartAsync();
        kube.Seed(StuckRevision4("shop", "checkout"));
        var clock = new ObservedClock(Start);
        await using var run = await ReconcilerRun.StartAsync(kube, clock);
        await clock.WaitForTimerAsync(t => t.DueAt == StuckDue, Wait);

        // Before the 60 s run out, the owner raises the deadline to 3600 s (a spec change: generation 5), and Argo
        // observes it. The revision, its start and its progress are unchanged.
        var mark = clock.ArmedCount;
        kube.Modify("rollouts", "shop", "checkout", r =>
        {
            r["spec"]!["progressDeadlineSeconds"] = 3600;
            r["metadata"]!["generation"] = 5;
        });
        kube.Modify("rollouts", "shop", "checkout", r => Status(r)["observedGeneration"] = "5");
        var raisedDue = T0.AddSeconds(3600 + 30);
        await clock.WaitForTimerAsync(t => t.Sequence > mark && t.DueAt == raisedDue, Wait);

        clock.AdvanceTo(StuckDue.AddMinutes(1));
        clock.AdvanceTo(raisedDue.AddSeconds(-1));
        kube.Requests.Where(IsWrite).ShouldBeEmpty("the old deadline is not the one in force");
        LoopTimers(clock, run).Where(t => t.Sequence > mark).Select(t => t.DueAt).ShouldBe([raisedDue], "one wake-up, for the new deadline");

        var (patch, post) = await AdvancePastAndWaitForActionAsync(kube, clock, raisedDue, "checkout", parkedUntil: null);

        patch.Path.ShouldBe(StatusPath("shop", "checkout"));
        JsonNode.Parse(post.Body)!["note"]!.GetValue<string>().ShouldContain("past its 3600s progress deadline (changed from the 60s in force when the revision started)");
        kube.Requests.Where(IsWrite).ShouldBe([patch, post]);
    }

    /// <summary>A pause limit of an hour; in namespace billing, report only.</summary>
    private const string PauseLimitPolicy = """
        apiVersion: deadline-guard.io/v1
        kind: DeadlinePolicy
        spec:
          pauses:
            maxSeconds: 3600
          overrides:
            - namespaces: ["billing"]
              pauses: { abort: false }
        """;

    /// <summary>The paused Rollouts' revision 2 started ten minutes before the reconciler; Argo paused it 30 s later.</summary>
    private static readonly DateTimeOffset PausedAt = Start.AddMinutes(-10);

    private static readonly DateTimeOffset PausedSince = PausedAt.AddSeconds(30);

    /// <summary>3600 s of pause limit + 30 s of grace after the pause condition's startTime.</summary>
    private static readonly DateTimeOffset PauseDue = PausedSince.AddSeconds(3600 + 30);

    [Fact]
    public async Task A_blue_green_awaiting_promotion_is_aborted_once_at_the_pause_limit_and_grace_with_a_PauseLimitExceeded_event()
    {
        using var policy = new PolicyFile(PauseLimitPolicy);
        await using var kube = await FakeKubeApiServer.StartAsync();
        kube.Seed(AwaitingPromotion("shop", "search", PausedAt));
        var others = new[]
        {
            kube.Seed(AwaitingTimedPromotion("shop", "timed", PausedAt)),
            kube.Seed(PausedByUser("shop", "payments", PausedAt)),
            kube.Seed(Healthy("shop", "cart", PausedAt.AddHours(-2))),
        }.ToDictionary(o => $"{Namespace(o)}/{Name(o)}");
        var clock = new ObservedClock(Start);
        await using var run = await ReconcilerRun.StartAsync(kube, clock, policyFile: policy.FilePath);

        // Scheduled for the exact moment, by timer: the loop's only wake-up.
        await clock.WaitForTimerAsync(t => t.DueAt == PauseDue, Wait);
        LoopTimers(clock, run).Select(t => t.DueAt).ShouldBe([PauseDue]);
        clock.AdvanceTo(PauseDue.AddSeconds(-1));
        kube.Requests.Where(IsWrite).ShouldBeEmpty("nothing is due a second before the pause limit plus grace");

        var (patch, post) = await AdvancePastAndWaitForActionAsync(kube, clock, PauseDue, "search", parkedUntil: null);

        patch.Path.ShouldBe(StatusPath("shop", "search"));
        patch.ContentType.ShouldNotBeNull().ShouldStartWith("application/merge-patch+json");
        JsonNode.DeepEquals(JsonNode.Parse(patch.Body), AbortPatch).ShouldBeTrue(patch.Body);
        var ev = JsonNode.Parse(post.Body)!.AsObject();
        ev.ShouldSatisfyAllConditions(
            e => e["type"]!.GetValue<string>().ShouldBe("Warning"),
            e => e["reason"]!.GetValue<string>().ShouldBe("PauseLimitExceeded"),
            e => e["action"]!.GetValue<string>().ShouldBe("Abort"),
            e => e["regarding"]!["name"]!.GetValue<string>().ShouldBe("search"),
            e => e["note"]!.GetValue<string>().ShouldContain("revision 2 has been paused awaiting promotion (BlueGreenPause"),
            e => e["note"]!.GetValue<string>().ShouldContain($"since {Time(PausedSince)}, past the pause limit of 3600s (due with grace at {Time(PauseDue)})"),
            e => e["note"]!.GetValue<string>().ShouldContain("aborted it"),
            e => e["metadata"]!["name"]!.GetValue<string>().ShouldStartWith("search.deadline-guard."));

        // The abort comes back through the watch; hours later, a change to it is judged (idle: aborted) and nothing
        // more is written. A fresh Rollout seeded behind that change tells when the loop has applied it.
        clock.Advance(TimeSpan.FromHours(5));
        var mark = clock.ArmedCount;
        kube.Modify("rollouts", "shop", "search", r => r["metadata"]!["labels"]!["team"] = "web");
        kube.Seed(Fresh("shop", "marker", clock.Now.AddSeconds(-60), clock.Now));
        await clock.WaitForTimerAsync(t => t.Sequence > mark && t.DueAt == clock.Now.AddSeconds(630), Wait);
        kube.Requests.Where(IsWrite).ShouldBe([patch, post], "one abort and one Event");
        ShouldBeUntouched(kube, others);
        run.Actions("Aborted", "success", "pause").ShouldBe(1);
        run.Actions("Aborted", "success", "deadline").ShouldBe(0);
        run.Verdicts("exceeded", "pause").ShouldBeGreaterThanOrEqualTo(1);
    }

    [Fact]
    public async Task A_reconciler_restarted_after_a_pause_limit_action_does_not_act_again()
    {
        using var policy = new PolicyFile(PauseLimitPolicy);
        await using var kube = await FakeKubeApiServer.StartAsync();
        kube.Seed(AwaitingPromotion("shop", "search", PausedAt));
        kube.Seed(CanaryAtPauseStep("billing", "ledger", PausedAt.AddSeconds(10))); // paused since PausedSince; report only
        var clock = new ObservedClock(Start);
        await using (var first = await ReconcilerRun.StartAsync(kube, clock, policyFile: policy.FilePath))
        {
            await clock.WaitForTimerAsync(t => t.DueAt == PauseDue, Wait);
            clock.AdvanceTo(PauseDue);
            await kube.WaitForRequestAsync(r => IsEventPost(r) && Regards(r, "search"), Wait);
            await kube.WaitForRequestAsync(r => IsEventPost(r) && Regards(r, "ledger"), Wait);
            await first.StopAsync();
        }

        kube.Requests.Where(IsWrite).Count(IsStatusPatch).ShouldBe(1, "the report-only pause is not aborted");
        JsonNode.Parse(kube.List("events", "billing").ShouldHaveSingleItem().ToJsonString())!["note"]!.GetValue<string>()
            .ShouldContain("at a canary pause step without duration (CanaryPauseStep)");
        var mark = kube.Requests.Count;

        clock.Advance(TimeSpan.FromMinutes(10));
        await using var second = await ReconcilerRun.StartAsync(kube, clock, policyFile: policy.FilePath);

        // The first list was judged (and acted on) before Synced: its requests are all in.
        var again = kube.Requests.Skip(mark).Where(IsWrite).ShouldHaveSingleItem("the aborted Rollout is not aborted again");
        (IsEventPost(again) && Regards(again, "ledger")).ShouldBeTrue("only the report-only pause is reported again...");
        kube.List("events", "billing").Count.ShouldBe(1, "...under the same Event name (its pause's reason and start), so the API server keeps one");
        kube.Requests.Count(r => IsEventPost(r) && Regards(r, "search")).ShouldBe(1);
        second.Verdicts("idle", "deadline").ShouldBe(1, "the aborted Rollout is idle (already aborted)");
    }

    [Fact]
    public async Task Dry_run_of_the_pause_limit_emits_a_would_abort_event_once_and_changes_nothing()
    {
        using var policy = new PolicyFile(PauseLimitPolicy);
        await using var kube = await FakeKubeApiServer.StartAsync();
        var stored = kube.Seed(AwaitingPromotion("shop", "search", PausedAt));
        var clock = new ObservedClock(Start);
        await using var run = await ReconcilerRun.StartAsync(kube, clock, o => o.DryRun = true, policyFile: policy.FilePath);
        await clock.WaitForTimerAsync(t => t.DueAt == PauseDue, Wait);

        var (_, post) = await ActionAsync(kube, clock, () => clock.AdvanceTo(PauseDue), "search", parkedUntil: null, abort: false);

        // Still paused (nothing was aborted): a later change is judged exceeded again, but not acted on again.
        var judged = run.Verdicts("exceeded", "pause");
        var changed = kube.Modify("rollouts", "shop", "search", r => r["metadata"]!["labels"]!["team"] = "web");
        kube.Seed(Fresh("shop", "catalog", clock.Now.AddSeconds(-60), clock.Now));
        await clock.WaitForTimerAsync(t => t.DueAt == clock.Now.AddSeconds(630), Wait); // the loop has applied both changes
        run.Verdicts("exceeded", "pause").ShouldBe(judged + 1);

        var ev = JsonNode.Parse(post.Body)!;
        ev["reason"]!.GetValue<string>().ShouldBe("PauseLimitExceeded");
        ev["action"]!.GetValue<string>().ShouldBe("WouldAbort");
        ev["note"]!.GetValue<string>().ShouldContain("would abort it (dry run: nothing changed)");
        kube.Requests.Where(IsWrite).ShouldBe([post], "dry run writes nothing but its one Event");
        JsonNode.DeepEquals(Status(kube.Get("rollouts", "shop", "search")!), Status(stored)).ShouldBeTrue("the Rollout's status is left as it was");
        Status(changed)["abort"]!.GetValue<bool>().ShouldBeFalse();
        run.Actions("WouldAbort", "success", "pause").ShouldBe(1);
    }

    [Fact]
    public async Task A_pause_limit_raised_by_a_policy_reload_moves_the_wake_up_and_no_abort_comes_before_it()
    {
        using var policy = new PolicyFile(PauseLimitPolicy);
        await using var kube = await FakeKubeApiServer.StartAsync();
        kube.Seed(AwaitingPromotion("shop", "search", PausedAt));
        var clock = new ObservedClock(Start);
        await using var run = await ReconcilerRun.StartAsync(kube, clock, policyFile: policy.FilePath);
        await clock.WaitForTimerAsync(t => t.DueAt == PauseDue, Wait);

        File.WriteAllText(policy.FilePath, PauseLimitPolicy.Replace("maxSeconds: 3600", "maxSeconds: 7200", StringComparison.Ordinal));
        var mark = clock.ArmedCount;
        run.Policies.Reload().ShouldBeTrue();
        var raisedDue = PausedSince.AddSeconds(7200 + 30);
        await clock.WaitForTimerAsync(t => t.Sequence > mark && t.DueAt == raisedDue, Wait);

        clock.AdvanceTo(raisedDue.AddSeconds(-1));
        kube.Requests.Where(IsWrite).ShouldBeEmpty("the old limit is no longer in force");
        var (patch, post) = await AdvancePastAndWaitForActionAsync(kube, clock, raisedDue, "search", parkedUntil: null);

        patch.Path.ShouldBe(StatusPath("shop", "search"));
        JsonNode.Parse(post.Body)!["note"]!.GetValue<string>().ShouldContain("past the pause limit of 7200s");
        kube.Requests.Where(IsWrite).ShouldBe([patch, post], "one abort, at the new limit");
    }

    [Fact]
    public async Task A_pause_whose_start_cannot_be_read_is_left_alone_logged_once_and_counted()
    {
        using var policy = new PolicyFile(PauseLimitPolicy);
        await using var kube = await FakeKubeApiServer.StartAsync();
        var broken = AwaitingPromotion("shop", "search", PausedAt);
        Status(broken)["pauseConditions"]![0]!.AsObject().Remove("startTime");
        kube.Seed(broken);
        var logger = new RecordingLogger<DeadlineReconciler>();
        var clock = new ObservedClock(Start);
        await using var run = await ReconcilerRun.StartAsync(kube, clock, policyFile: policy.FilePath, logger: logger);

        // Judged again on every change, and again much later: still one log line and one count.
        for (var i = 0; i < 3; i++)
        {
            var mark = clock.ArmedCount;
            var index = i;
            kube.Modify("rollouts", "shop", "search", r => r["metadata"]!["labels"]!["change"] = index.ToString(System.Globalization.CultureInfo.InvariantCulture));
            kube.Seed(Fresh("shop", $"marker-{i}", clock.Now.AddSeconds(-60), clock.Now));
            var markerDue = clock.Now.AddSeconds(630);
            await clock.WaitForTimerAsync(t => t.Sequence > mark && t.DueAt == markerDue, Wait); // both changes applied
            clock.Advance(TimeSpan.FromDays(1));
        }

        run.Verdicts("idle", "pause").ShouldBe(4, "the list and three changes");
        run.UnreadablePauses("missing_start_time").ShouldBe(1);
        logger.Messages(122).ShouldHaveSingleItem().ShouldBe(
            "Rollout shop/search is left alone by the pause limit: paused (BlueGreenPause), left alone: status.pauseConditions[0] has no startTime to time it from");
        kube.Requests.Where(r => IsWrite(r) && (Regards(r, "search") || r.Path.Contains("/search", StringComparison.Ordinal))).ShouldBeEmpty("no action on bad input");
    }

    /// <summary>
    /// Moves the clock to <paramref name="to"/> and waits for the status patch and the Event about
    /// <paramref name="name"/>; with <paramref name="parkedUntil"/>, also until the loop sleeps again until then.
    /// </summary>
    private static async Task<(RecordedRequest Patch, RecordedRequest Post)> AdvancePastAndWaitForActionAsync(
        FakeKubeApiServer kube, ObservedClock clock, DateTimeOffset to, string name, DateTimeOffset? parkedUntil)
    {
        var (patch, post) = await ActionAsync(kube, clock, () => clock.AdvanceTo(to), name, parkedUntil);
        return (patch!, post);
    }

    /// <summary>
    /// Runs <paramref name="trigger"/> and waits for the Event about <paramref name="name"/> (and, with
    /// <paramref name="abort"/>, its status patch before it). With <paramref name="parkedUntil"/>, it then waits until
    /// the loop, done with that action, sleeps until then: a timer armed after the Event was posted, so everything the
    /// loop did up to then (metrics included) is done.
    /// </summary>
    private static async Task<(RecordedRequest? Patch, RecordedRequest Post)> ActionAsync(
        FakeKubeApiServer kube, ObservedClock clock, Action trigger, string name, DateTimeOffset? parkedUntil, bool abort = true)
    {
        var requests = kube.Requests.Count;
        var armedWhenPosted = -1;
        var posted = kube.WaitForRequestAsync(
            r =>
            {
                if (r.Sequence <= requests || !IsEventPost(r) || !Regards(r, name))
                {
                    return false;
                }

                armedWhenPosted = clock.ArmedCount; // evaluated as the request is recorded, while the loop awaits its answer
                return true;
            },
            Wait);
        trigger();
        var post = await posted;
        var patch = abort
            ? await kube.WaitForRequestAsync(r => r.Sequence > requests && r.Path == StatusPath(RegardingNamespace(post), name), Wait)
            : null;
        if (parkedUntil is { } next)
        {
            await clock.WaitForTimerAsync(t => t.Sequence > armedWhenPosted && t.DueAt == next, Wait);
        }

        return (patch, post);
    }

    /// <summary>The loop's wake-ups: every armed timer except the informer's watchdog (its idle timeout).</summary>
    private static IEnumerable<ArmedTimer> LoopTimers(ObservedClock clock, ReconcilerRun run) =>
        clock.Armed.Where(t => t.DueTime != TimeSpan.FromSeconds(run.Options.WatchIdleTimeoutSeconds));

    private static void ShouldBeUntouched(FakeKubeApiServer kube, Dictionary<string, JsonObject> seeded, string? except = null)
    {
        foreach (var (key, stored) in seeded.Where(s => s.Key != except))
        {
            var parts = key.Split('/');
            JsonNode.DeepEquals(kube.Get("rollouts", parts[0], parts[1]), stored).ShouldBeTrue($"{key} is left as it was");
        }
    }

    private static string StatusPath(string ns, string name) => $"/apis/argoproj.io/v1alpha1/namespaces/{ns}/rollouts/{name}/status";

    private static bool IsWrite(RecordedRequest r) => r.Method != "GET";

    private static bool IsStatusPatch(RecordedRequest r) => r.Method == "PATCH" && r.Path.EndsWith("/status", StringComparison.Ordinal);

    private static bool IsEventPost(RecordedRequest r) => r.Method == "POST" && r.Path.StartsWith("/apis/events.k8s.io/v1/namespaces/", StringComparison.Ordinal);

    private static bool IsRolloutList(RecordedRequest r) => r.Method == "GET" && r.Path == "/apis/argoproj.io/v1alpha1/rollouts" && !r.IsWatch;

    private static string RegardingNamespace(RecordedRequest post) => JsonNode.Parse(post.Body)!["regarding"]!["namespace"]!.GetValue<string>();

    private static bool Regards(RecordedRequest r, string name) =>
        r.Body.Length > 0 && JsonNode.Parse(r.Body)?["regarding"]?["name"]?.GetValue<string>() == name;
}

using System.Text.Json.Nodes;
using DeadlineGuard.Reconciler;
using DeadlineGuard.Tests.Policy;
using static DeadlineGuard.Tests.Reconciler.ReconcilerHosts;
using static DeadlineGuard.Tests.Reconciler.RolloutObjects;

namespace DeadlineGuard.Tests.Reconciler;

/// <summary>
/// The reconciler's loop and the policy's limit on indefinite pauses, each test a <see cref="ReconcilerScenario"/>:
/// given paused Rollouts and a pause limit, when the loop runs and the clock moves, then what it wrote and counted.
/// </summary>
public sealed class PauseLimitReconcilerTests
{
    /// <summary>The paused Rollouts' revision 2 started ten minutes before the reconciler; Argo paused it 30 s later.</summary>
    private static readonly DateTimeOffset PausedAt = ReconcilerScenario.Start.AddMinutes(-10);

    private static readonly DateTimeOffset PausedSince = PausedAt.AddSeconds(30);

    /// <summary>3600 s of pause limit + 30 s of grace after the pause condition's startTime.</summary>
    private static readonly DateTimeOffset PauseDue = PausedSince.AddSeconds(3600 + 30);

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

    /// <summary>shop/search: a BlueGreen revision awaiting promotion since <see cref="PausedSince"/>.</summary>
    private static JsonObject Search() => AwaitingPromotion("shop", "search", PausedAt);

    private static async Task<ReconcilerScenario> UnderThePauseLimitAsync()
    {
        var loop = await ReconcilerScenario.CreateAsync();
        loop.GivenPolicy(PauseLimitPolicy);
        return loop;
    }

    [Fact]
    public async Task A_blue_green_awaiting_promotion_is_aborted_once_at_the_pause_limit_and_grace_with_a_PauseLimitExceeded_event()
    {
        await using var loop = await UnderThePauseLimitAsync();
        loop.Given(Search());
        loop.GivenLeftAlone(AwaitingTimedPromotion("shop", "timed", PausedAt), PausedByUser("shop", "payments", PausedAt), Healthy("shop", "cart", PausedAt.AddHours(-2)));

        await loop.StartAsync(parkedUntil: PauseDue); // scheduled for the exact moment, by timer: the loop's only wake-up
        loop.LoopTimers.Select(t => t.DueAt).ShouldBe([PauseDue]);
        loop.Clock.AdvanceTo(PauseDue.AddSeconds(-1));
        loop.ShouldHaveWrittenNothing("nothing is due a second before the pause limit plus grace");
        var action = await loop.AbortAtAsync(PauseDue, "search");

        action.ShouldHaveAborted("shop", "search");
        action.ShouldBeEvent("PauseLimitExceeded", "Abort", "search");
        action.Note.ShouldSatisfyAllConditions(
            n => n.ShouldContain("revision 2 has been paused awaiting promotion (BlueGreenPause"),
            n => n.ShouldContain($"since {Time(PausedSince)}, past the pause limit of 3600s (due with grace at {Time(PauseDue)})"),
            n => n.ShouldContain("aborted it"));

        // The abort comes back through the watch; hours later, a change to it is judged (idle: aborted) and nothing
        // more is written.
        loop.Clock.Advance(TimeSpan.FromHours(5));
        await loop.AppliedAsync(() => loop.Kube.Modify("rollouts", "shop", "search", r => r["metadata"]!["labels"]!["team"] = "web"));
        loop.ShouldHaveWritten(action.Writes, "one abort and one Event");
        loop.ShouldHaveLeftAlone();
        loop.Run.Actions("Aborted", "success", "pause").ShouldBe(1);
        loop.Run.Actions("Aborted", "success", "deadline").ShouldBe(0);
        loop.Run.Verdicts("exceeded", "pause").ShouldBeGreaterThanOrEqualTo(1);
    }

    [Fact]
    public async Task A_reconciler_restarted_after_a_pause_limit_action_does_not_act_again()
    {
        await using var loop = await UnderThePauseLimitAsync();
        loop.Given(Search(), CanaryAtPauseStep("billing", "ledger", PausedAt.AddSeconds(10))); // ledger: paused since PausedSince, report only
        await loop.StartAsync(parkedUntil: PauseDue);
        loop.Clock.AdvanceTo(PauseDue);
        await loop.EventsAboutAsync("search", "ledger");
        loop.Kube.List("events", "billing").ShouldHaveSingleItem()["note"]!.GetValue<string>().ShouldContain("at a canary pause step without duration (CanaryPauseStep)");
        loop.Writes.Count(IsStatusPatch).ShouldBe(1, "the report-only pause is not aborted");

        var again = (await loop.RestartAsync(TimeSpan.FromMinutes(10))).ShouldHaveSingleItem("the aborted Rollout is not aborted again");

        (IsEventPost(again) && Regards(again, "ledger")).ShouldBeTrue("only the report-only pause is reported again...");
        loop.Kube.List("events", "billing").Count.ShouldBe(1, "...under the same Event name (its pause's reason and start), so the API server keeps one");
        loop.EventsAbout("search").ShouldBe(1);
        loop.Run.Verdicts("idle", "deadline").ShouldBe(1, "the aborted Rollout is idle (already aborted)");
    }

    [Fact]
    public async Task Dry_run_of_the_pause_limit_emits_a_would_abort_event_once_and_changes_nothing()
    {
        await using var loop = await UnderThePauseLimitAsync();
        var stored = loop.GivenDryRun().Given(Search());
        await loop.StartAsync(parkedUntil: PauseDue);
        var wouldAbort = await loop.EventAtAsync(PauseDue, "search");

        // Still paused (nothing was aborted): a later change is judged exceeded again, but not acted on again.
        var judged = loop.Run.Verdicts("exceeded", "pause");
        await loop.AppliedAsync(() => loop.Kube.Modify("rollouts", "shop", "search", r => r["metadata"]!["labels"]!["team"] = "web"));
        loop.Run.Verdicts("exceeded", "pause").ShouldBe(judged + 1);

        wouldAbort.ShouldBeEvent("PauseLimitExceeded", "WouldAbort", "search");
        wouldAbort.Note.ShouldContain("would abort it (dry run: nothing changed)");
        loop.ShouldHaveWritten([wouldAbort.Post], "dry run writes nothing but its one Event");
        JsonNode.DeepEquals(loop.StoredStatus("shop", "search"), Status(stored)).ShouldBeTrue("the Rollout's status is left as it was");
        loop.StoredStatus("shop", "search")["abort"]!.GetValue<bool>().ShouldBeFalse();
        loop.Run.Actions("WouldAbort", "success", "pause").ShouldBe(1);
    }

    [Fact]
    public async Task A_pause_limit_raised_by_a_policy_reload_moves_the_wake_up_and_no_abort_comes_before_it()
    {
        await using var loop = await UnderThePauseLimitAsync();
        loop.Given(Search());
        await loop.StartAsync(parkedUntil: PauseDue);

        var mark = loop.Clock.ArmedCount;
        loop.ChangePolicy(PauseLimitPolicy.Replace("maxSeconds: 3600", "maxSeconds: 7200", StringComparison.Ordinal));
        var raisedDue = PausedSince.AddSeconds(7200 + 30);
        await loop.ParkedUntilAsync(raisedDue, armedAfter: mark);
        loop.Clock.AdvanceTo(raisedDue.AddSeconds(-1));
        loop.ShouldHaveWrittenNothing("the old limit is no longer in force");
        var action = await loop.AbortAtAsync(raisedDue, "search");

        action.ShouldHaveAborted("shop", "search");
        action.Note.ShouldContain("past the pause limit of 7200s");
        loop.ShouldHaveWritten(action.Writes, "one abort, at the new limit");
    }

    [Fact]
    public async Task A_pause_whose_start_cannot_be_read_is_left_alone_logged_once_and_counted()
    {
        await using var loop = await UnderThePauseLimitAsync();
        var logger = new RecordingLogger<DeadlineReconciler>();
        var broken = Search();
        Status(broken)["pauseConditions"]![0]!.AsObject().Remove("startTime");
        loop.GivenLogger(logger).Given(broken);
        await loop.StartAsync();

        // Judged again on every change, and again much later: still one log line and one count.
        for (var i = 0; i < 3; i++)
        {
            var change = i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            await loop.AppliedAsync(() => loop.Kube.Modify("rollouts", "shop", "search", r => r["metadata"]!["labels"]!["change"] = change));
            loop.Clock.Advance(TimeSpan.FromDays(1));
        }

        loop.Run.Verdicts("idle", "pause").ShouldBe(4, "the list and three changes");
        loop.Run.UnreadablePauses("missing_start_time").ShouldBe(1);
        logger.Messages(122).ShouldHaveSingleItem().ShouldBe(
            "Rollout shop/search is left alone by the pause limit: paused (BlueGreenPause), left alone: status.pauseConditions[0] has no startTime to time it from");
        loop.Writes.Where(r => Regards(r, "search") || r.Path.Contains("/search", StringComparison.Ordinal)).ShouldBeEmpty("no action on bad input");
    }
}

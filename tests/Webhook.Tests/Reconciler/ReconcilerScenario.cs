using System.Text.Json.Nodes;
using DeadlineGuard.Reconciler;
using DeadlineGuard.Tests.Support;
using DeadlineGuard.Tests.Support.FakeKube;
using Microsoft.Extensions.Logging;
using static DeadlineGuard.Tests.Reconciler.ReconcilerHosts;

namespace DeadlineGuard.Tests.Reconciler;

/// <summary>
/// One scenario of the reconciler's loop, told as Given / When / Then. Given: Rollouts stored in the fake API server
/// (which the loop reaches through the real KubernetesClient: list, watch, status patch, Events), a policy file and
/// options. When: the loop starts on an <see cref="ObservedClock"/> at <see cref="Start"/>, the test waits until it is
/// parked on the wake-up it expects, then moves the clock or changes the cluster. Then: the requests the fake recorded
/// (patches, Events), the stored objects, and the loop's metrics.
/// </summary>
internal sealed class ReconcilerScenario : IAsyncDisposable
{
    /// <summary>When every scenario's loop starts.</summary>
    public static readonly DateTimeOffset Start = RolloutObjects.Rev4Started.AddSeconds(12);

    public static readonly TimeSpan Wait = ReconcilerRun.Wait;

    private readonly Dictionary<string, JsonObject> leftAlone = [];
    private ReconcilerSetup setup = new();
    private PolicyFile? policy;
    private ReconcilerRun? run;
    private int markers;

    private ReconcilerScenario(FakeKubeApiServer kube)
    {
        Kube = kube;
    }

    public FakeKubeApiServer Kube { get; }

    public ObservedClock Clock { get; } = new(Start);

    /// <summary>The loop started last.</summary>
    public ReconcilerRun Run => run ?? throw new InvalidOperationException("the loop has not been started");

    /// <summary>What the cluster has written so far: every request but reads.</summary>
    public IEnumerable<RecordedRequest> Writes => Kube.Requests.Where(IsWrite);

    /// <summary>The loop's wake-ups: every armed timer except the informer's watchdog (its idle timeout).</summary>
    public IEnumerable<ArmedTimer> LoopTimers => Clock.Armed.Where(t => t.DueTime != TimeSpan.FromSeconds(Run.Options.WatchIdleTimeoutSeconds));

    public static async Task<ReconcilerScenario> CreateAsync() => new(await FakeKubeApiServer.StartAsync());

    // Given

    /// <summary>Stores the Rollouts in the cluster; returns the stored copy of the first.</summary>
    public JsonObject Given(params JsonObject[] rollouts) => rollouts.Select(Kube.Seed).ToList()[0];

    /// <summary>Stores Rollouts the loop must never write to (<see cref="ShouldHaveLeftAlone"/> checks them).</summary>
    public void GivenLeftAlone(params IEnumerable<JsonObject> rollouts)
    {
        foreach (var stored in rollouts.Select(Kube.Seed))
        {
            leftAlone[$"{RolloutObjects.Namespace(stored)}/{RolloutObjects.Name(stored)}"] = stored;
        }
    }

    /// <summary>The loop reads its policy from a file holding <paramref name="yaml"/>.</summary>
    public ReconcilerScenario GivenPolicy(string yaml)
    {
        policy?.Dispose();
        policy = new PolicyFile(yaml);
        setup = setup with { PolicyFile = policy.FilePath };
        return this;
    }

    public ReconcilerScenario GivenOptions(Action<ReconcilerOptions> configure)
    {
        setup = setup with { Configure = configure };
        return this;
    }

    public ReconcilerScenario GivenDryRun() => GivenOptions(o => o.DryRun = true);

    public ReconcilerScenario GivenPageSize(int pageSize)
    {
        setup = setup with { PageSize = pageSize };
        return this;
    }

    /// <summary>The loop gets its changes from <paramref name="informers"/> instead of the API server.</summary>
    public ReconcilerScenario GivenInformers(IRolloutInformerFactory informers)
    {
        setup = setup with { Informers = informers };
        return this;
    }

    public ReconcilerScenario GivenLogger(ILogger<DeadlineReconciler> logger)
    {
        setup = setup with { Logger = logger };
        return this;
    }

    // When

    /// <summary>
    /// Starts the loop and waits until its first list has been judged and acted on; with <paramref name="parkedUntil"/>,
    /// also until it sleeps until then.
    /// </summary>
    public async Task StartAsync(DateTimeOffset? parkedUntil = null)
    {
        run = await ReconcilerRun.StartAsync(Kube, Clock, setup);
        if (parkedUntil is { } due)
        {
            await ParkedUntilAsync(due);
        }
    }

    /// <summary>Starts the loop without waiting for anything.</summary>
    public void Launch() => run = ReconcilerRun.Launch(Kube, Clock, setup);

    /// <summary>Stops the loop (by cancellation: it must not fault), as a pod that is replaced.</summary>
    public async Task StopAsync()
    {
        await Run.DisposeAsync();
        run = null;
    }

    /// <summary>The policy file now holds <paramref name="yaml"/>, and the running loop's policy store reloads it.</summary>
    public void ChangePolicy(string yaml)
    {
        File.WriteAllText(policy.ShouldNotBeNull("the scenario has no policy file").FilePath, yaml);
        Run.Policies.Reload().ShouldBeTrue();
    }

    /// <summary>Waits until the loop sleeps until <paramref name="due"/>, on a timer armed after <paramref name="armedAfter"/>.</summary>
    public Task<ArmedTimer> ParkedUntilAsync(DateTimeOffset due, int armedAfter = -1) =>
        Clock.WaitForTimerAsync(t => t.Sequence > armedAfter && t.DueAt == due, Wait);

    /// <summary>Waits for a backoff of about <paramref name="seconds"/> (±20 % jitter) armed after <paramref name="armedAfter"/>.</summary>
    public Task<ArmedTimer> BackoffAsync(double seconds, int armedAfter = -1) =>
        Clock.WaitForTimerAsync(
            t => t.Sequence > armedAfter && t.DueTime >= TimeSpan.FromSeconds(seconds * 0.8) && t.DueTime <= TimeSpan.FromSeconds(seconds * 1.2),
            Wait);

    /// <summary>
    /// The next request whose path contains <paramref name="path"/> is answered 500; then the clock moves to
    /// <paramref name="to"/>. Returns the count of timers armed before, to wait for the retry's backoff after it.
    /// </summary>
    public int FailOnceAt(string path, DateTimeOffset to)
    {
        Kube.FailNext(1, 500, path);
        var mark = Clock.ArmedCount;
        Clock.AdvanceTo(to);
        return mark;
    }

    /// <summary>Waits until the informer has opened its <paramref name="count"/>th watch.</summary>
    public Task<RecordedRequest> WatchOpenedAsync(int count = 1) => Kube.WaitForWatchAsync(count, Wait);

    /// <summary>The Rollout lists (pages included) the informer has asked for.</summary>
    public IReadOnlyList<RecordedRequest> Lists => [.. Kube.Requests.Where(IsRolloutList)];

    /// <summary>
    /// Runs <paramref name="change"/> and waits until the loop has applied it: a fresh Rollout stored right behind it
    /// (a marker with the injected 600 s deadline) is judged after it, and the loop then sleeps until the marker's due.
    /// </summary>
    public async Task AppliedAsync(Action change)
    {
        var mark = Clock.ArmedCount;
        change();
        var now = Clock.Now;
        Kube.Seed(RolloutObjects.Fresh("shop", $"marker-{++markers}", now.AddSeconds(-60), now));
        await ParkedUntilAsync(now.AddSeconds(600 + 30), mark);
    }

    /// <summary>Moves the clock to <paramref name="to"/> and waits for the abort of <paramref name="name"/> and its Event.</summary>
    public Task<LoopAction> AbortAtAsync(DateTimeOffset to, string name, DateTimeOffset? thenParkedUntil = null) =>
        ActionAsync(() => Clock.AdvanceTo(to), name, thenParkedUntil, aborts: true);

    /// <summary>Moves the clock to <paramref name="to"/> and waits for the Event about <paramref name="name"/> (no abort).</summary>
    public Task<LoopAction> EventAtAsync(DateTimeOffset to, string name, DateTimeOffset? thenParkedUntil = null) =>
        ActionAsync(() => Clock.AdvanceTo(to), name, thenParkedUntil, aborts: false);

    /// <summary>
    /// Runs <paramref name="trigger"/> and waits for the Event about <paramref name="name"/> (and, when it
    /// <paramref name="aborts"/>, its status patch before it). With <paramref name="thenParkedUntil"/>, it then waits until
    /// the loop, done with that action, sleeps until then: a timer armed after the Event was posted, so everything the
    /// loop did up to then (metrics included) is done.
    /// </summary>
    public async Task<LoopAction> ActionAsync(Action trigger, string name, DateTimeOffset? thenParkedUntil, bool aborts)
    {
        var requests = Kube.Requests.Count;
        var armedWhenPosted = -1;
        var posted = Kube.WaitForRequestAsync(
            r =>
            {
                if (r.Sequence <= requests || !IsEventPost(r) || !Regards(r, name))
                {
                    return false;
                }

                armedWhenPosted = Clock.ArmedCount; // evaluated as the request is recorded, while the loop awaits its answer
                return true;
            },
            Wait);
        trigger();
        var post = await posted;
        var patch = aborts
            ? await Kube.WaitForRequestAsync(r => r.Sequence > requests && r.Path == StatusPath(RegardingNamespace(post), name), Wait)
            : null;
        if (thenParkedUntil is { } next)
        {
            await ParkedUntilAsync(next, armedWhenPosted);
        }

        return new LoopAction(patch, post);
    }

    /// <summary>Waits for the first request since <paramref name="after"/> (a request count) that matches.</summary>
    public Task<RecordedRequest> RequestAsync(Func<RecordedRequest, bool> match, int after = 0) =>
        Kube.WaitForRequestAsync(r => r.Sequence > after && match(r), Wait);

    /// <summary>Waits for the Event about <paramref name="name"/>.</summary>
    public Task<RecordedRequest> EventAboutAsync(string name) => RequestAsync(r => IsEventPost(r) && Regards(r, name));

    /// <summary>Waits for an Event about each of <paramref name="names"/>.</summary>
    public Task EventsAboutAsync(params string[] names) => Task.WhenAll(names.Select(EventAboutAsync));

    /// <summary>
    /// Stops the loop, moves the clock on by <paramref name="after"/> and starts a new loop, as a replaced pod. Returns
    /// what the new loop wrote: it judges (and acts on) its first list before it counts as started, so that is all of it.
    /// </summary>
    public async Task<IReadOnlyList<RecordedRequest>> RestartAsync(TimeSpan after)
    {
        await StopAsync();
        var mark = Kube.Requests.Count;
        Clock.Advance(after);
        await StartAsync();
        return [.. Writes.Where(r => r.Sequence > mark)];
    }

    // Then

    /// <summary>The loop wrote exactly these, in this order, and nothing else.</summary>
    public void ShouldHaveWritten(IEnumerable<RecordedRequest> writes, string? because = null) =>
        Writes.ShouldBe(writes, because);

    public void ShouldHaveWrittenNothing(string because) => Writes.ShouldBeEmpty(because);

    /// <summary>The status subresources patched, in order.</summary>
    public IEnumerable<string> Aborted => Kube.Requests.Where(IsStatusPatch).Select(r => r.Path);

    /// <summary>How many Events the loop posted about <paramref name="name"/>.</summary>
    public int EventsAbout(string name) => Kube.Requests.Count(r => IsEventPost(r) && Regards(r, name));

    /// <summary>Every Rollout given as left alone is stored as it was (same content, same resourceVersion).</summary>
    public void ShouldHaveLeftAlone(string? except = null) =>
        ShouldBeUntouched(Kube, leftAlone.Where(s => s.Key != except).Select(s => s.Value));

    public JsonObject StoredStatus(string ns, string name) => RolloutObjects.Status(Kube.Get("rollouts", ns, name)!);

    public async ValueTask DisposeAsync()
    {
        if (run is not null)
        {
            await run.DisposeAsync();
        }

        await Kube.DisposeAsync();
        policy?.Dispose();
    }
}

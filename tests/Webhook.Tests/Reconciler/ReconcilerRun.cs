using DeadlineGuard.Observability;
using DeadlineGuard.Policy;
using DeadlineGuard.Reconciler;
using DeadlineGuard.Tests.Support;
using DeadlineGuard.Tests.Support.FakeKube;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Prometheus;

namespace DeadlineGuard.Tests.Reconciler;

/// <summary>
/// One <see cref="DeadlineReconciler"/> running in the background against a fake API server, on an
/// <see cref="ObservedClock"/>, with the built-in policy and its own metrics registry.
/// </summary>
internal sealed class ReconcilerRun : IAsyncDisposable
{
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    private readonly CancellationTokenSource stop = new();
    private readonly PolicyStore policies;
    private Task? running;

    private ReconcilerRun(FakeKubeApiServer kube, ObservedClock clock, ReconcilerOptions options, ReconcilerSetup setup)
    {
        Options = options;
        Metrics = new ReconcilerMetrics(Prometheus.Metrics.NewCustomRegistry());
        policies = new PolicyStore(
            Microsoft.Extensions.Options.Options.Create(new PolicyOptions { File = setup.PolicyFile }),
            NullLogger<PolicyStore>.Instance,
            new WebhookMetrics(Prometheus.Metrics.NewCustomRegistry()),
            new Readiness());
        policies.LoadInitial();
        var actions = new DeadlineActions(kube.Client, options, clock, NullLogger<DeadlineActions>.Instance) { Instance = "deadline-guard-reconciler-0" };
        var informers = setup.Informers ?? new RolloutInformerFactory(kube.Client, options, clock, Metrics, NullLoggerFactory.Instance, setup.PageSize);
        Reconciler = new DeadlineReconciler(informers, policies, options, actions, clock, Metrics, setup.Logger ?? NullLogger<DeadlineReconciler>.Instance);
    }

    public ReconcilerOptions Options { get; }

    /// <summary>The policy in force; with a policy file, <see cref="PolicyStore.Reload"/> applies a change to it.</summary>
    public PolicyStore Policies => policies;

    public ReconcilerMetrics Metrics { get; }

    public DeadlineReconciler Reconciler { get; }

    /// <summary>
    /// Starts the loop and waits until the first list has been judged (and acted on). The options default to the
    /// product's, except a watchdog of an hour so that the tests' big clock steps do not restart watches.
    /// </summary>
    public static async Task<ReconcilerRun> StartAsync(FakeKubeApiServer kube, ObservedClock clock, ReconcilerSetup setup)
    {
        var run = Launch(kube, clock, setup);
        await run.SyncedAsync();
        return run;
    }

    /// <summary>Starts the loop without waiting for anything.</summary>
    public static ReconcilerRun Launch(FakeKubeApiServer kube, ObservedClock clock, ReconcilerSetup setup)
    {
        var options = new ReconcilerOptions { LeaderElection = false, WatchIdleTimeoutSeconds = 3600 };
        setup.Configure?.Invoke(options);
        var run = new ReconcilerRun(kube, clock, options, setup);
        run.running = Task.Run(() => run.Reconciler.RunAsync(run.stop.Token));
        return run;
    }

    /// <summary>Waits until the first list has been judged (and acted on).</summary>
    public async Task SyncedAsync()
    {
        var first = await Task.WhenAny(Reconciler.Synced, running!).WaitAsync(Wait);
        await first; // surfaces a loop that failed before it synced
        first.ShouldBe(Reconciler.Synced, "the loop ended before its first list was judged");
    }

    public double Actions(string action, string result, string kind = "deadline") => Metrics.Actions.WithLabels(action, result, kind).Value;

    public double Verdicts(string verdict, string kind = "deadline") => Metrics.Verdicts.WithLabels(verdict, kind).Value;

    public double UnreadablePauses(string problem) => Metrics.UnreadablePauses.WithLabels(problem).Value;

    public double WatchRestarts(string reason) => Metrics.WatchRestarts.WithLabels(reason).Value;

    /// <summary>Stops the loop; it must end by cancellation, not by a fault.</summary>
    public async Task StopAsync()
    {
        if (running is null)
        {
            return;
        }

        await stop.CancelAsync();
        var ended = running;
        running = null;
        try
        {
            await ended.WaitAsync(Wait);
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        policies.Dispose();
        stop.Dispose();
    }
}

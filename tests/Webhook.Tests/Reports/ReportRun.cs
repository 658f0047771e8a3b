using DeadlineGuard.Observability;
using DeadlineGuard.Policy;
using DeadlineGuard.Reconciler;
using DeadlineGuard.Reconciler.Reports;
using DeadlineGuard.Tests.Support;
using DeadlineGuard.Tests.Support.FakeKube;
using Microsoft.Extensions.Logging.Abstractions;

namespace DeadlineGuard.Tests.Reports;

/// <summary>
/// A leader's term against a fake API server, as ReconcilerService.LeadAsync runs it: the reconciler (with the report
/// keeper as its verdict observer) started first, then the keeper's own loop; on an <see cref="ObservedClock"/>.
/// </summary>
internal sealed class ReportRun : IAsyncDisposable
{
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _running = [];

    private ReportRun(FakeKubeApiServer kube, ObservedClock clock, ReportOptions options, string? policyFile)
    {
        Options = options;
        var reconcilerOptions = new ReconcilerOptions { LeaderElection = false, WatchIdleTimeoutSeconds = 3600, DryRun = true };
        var metrics = new ReconcilerMetrics(Prometheus.Metrics.NewCustomRegistry());
        Policies = new PolicyStore(
            Microsoft.Extensions.Options.Options.Create(new PolicyOptions { File = policyFile }),
            NullLogger<PolicyStore>.Instance,
            new WebhookMetrics(Prometheus.Metrics.NewCustomRegistry()),
            new Readiness());
        Policies.LoadInitial();
        Resource = ReportResource.Of(options.Format);
        Keeper = new ReportKeeper(new ReportApi(kube.Client, Resource), Policies, options, reconcilerOptions, clock, Log);
        var actions = new DeadlineActions(kube.Client, reconcilerOptions, clock, NullLogger<DeadlineActions>.Instance);
        var informers = new RolloutInformerFactory(kube.Client, reconcilerOptions, clock, metrics, NullLoggerFactory.Instance);
        Observer = new RecordingObserver(Keeper);
        Reconciler = new DeadlineReconciler(informers, Policies, reconcilerOptions, actions, clock, metrics, NullLogger<DeadlineReconciler>.Instance, Observer);
    }

    public ReportOptions Options { get; }

    public ReportResource Resource { get; }

    public PolicyStore Policies { get; }

    public EventLog<ReportKeeper> Log { get; } = new();

    public ReportKeeper Keeper { get; }

    /// <summary>What the reconciler told the keeper, to wait for a change to have been judged.</summary>
    public RecordingObserver Observer { get; }

    public DeadlineReconciler Reconciler { get; }

    /// <summary>Starts a term and waits until the reconciler's first list has been judged.</summary>
    public static async Task<ReportRun> StartAsync(FakeKubeApiServer kube, ObservedClock clock, Action<ReportOptions>? configure = null, string? policyFile = null)
    {
        var options = new ReportOptions();
        configure?.Invoke(options);
        var run = new ReportRun(kube, clock, options, policyFile);
        run._running.Add(Task.Run(() => run.Reconciler.RunAsync(run._stop.Token)));
        run._running.Add(Task.Run(() => run.Keeper.RunAsync(run._stop.Token)));
        var first = await Task.WhenAny(run.Reconciler.Synced, Task.WhenAny(run._running)).WaitAsync(Wait);
        first.ShouldBe(run.Reconciler.Synced, "a loop ended before the first list was judged");
        return run;
    }

    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        foreach (var task in _running)
        {
            try
            {
                await task.WaitAsync(Wait);
            }
            catch (OperationCanceledException)
            {
            }
        }

        _running.Clear();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        Policies.Dispose();
        _stop.Dispose();
    }
}

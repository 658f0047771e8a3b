using DeadlineGuard.Leadership;
using DeadlineGuard.Observability;
using k8s;
using k8s.LeaderElection;
using k8s.LeaderElection.ResourceLock;
using Microsoft.Extensions.Options;

namespace DeadlineGuard.Reconciler;

/// <summary>
/// Runs the reconciler while this replica holds the Lease (coordination.k8s.io/v1), so two replicas never
/// both act; it re-acquires after losing it. Without leader election it runs at once.
/// </summary>
public sealed partial class ReconcilerService(
    IKubernetes client,
    IOptions<ReconcilerOptions> options,
    Func<DeadlineReconciler> createReconciler,
    IEnumerable<ILeaderWork> leaderWork,
    Readiness readiness,
    ReconcilerMetrics metrics,
    ILogger<ReconcilerService> logger) : BackgroundService
{
    private readonly ReconcilerOptions _options = options.Value;

    public string Identity { get; init; } = Environment.GetEnvironmentVariable("POD_NAME") ?? $"{Environment.MachineName}-{Guid.NewGuid():N}";

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        readiness.Expect(Readiness.FirstList);
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.LeaderElection)
        {
            await LeadAsync(stoppingToken);
            return;
        }

        var @lock = new LeaseLock(client, LeaseNamespace(_options)!, _options.LeaseName, Identity);
        using var elector = new LeaderElector(new LeaderElectionConfig(@lock)
        {
            LeaseDuration = TimeSpan.FromSeconds(_options.LeaseDurationSeconds),
            RenewDeadline = TimeSpan.FromSeconds(_options.RenewDeadlineSeconds),
            RetryPeriod = TimeSpan.FromSeconds(_options.RetryPeriodSeconds),
        });
        CancellationTokenSource? term = null;
        Task? leading = null;
        elector.OnStartedLeading += () =>
        {
            term = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            leading = Task.Run(() => LeadAsync(term.Token), CancellationToken.None);
        };
        elector.OnStoppedLeading += () =>
        {
            term?.Cancel();
            if (!stoppingToken.IsCancellationRequested)
            {
                LogLostLease(logger, Identity);
            }
        };
        elector.OnNewLeader += leader =>
        {
            LogLeader(logger, leader, Identity);
            if (leader != Identity)
            {
                readiness.Passed(Readiness.FirstList); // a standby replica is ready: it has nothing to sync
            }
        };

        try
        {
            await elector.RunAndTryToHoldLeadershipForeverAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            if (term is not null)
            {
                await term.CancelAsync();
            }

            if (leading is not null)
            {
                await leading.ContinueWith(_ => { }, TaskScheduler.Default);
            }

            term?.Dispose();
        }
    }

    private async Task LeadAsync(CancellationToken cancellationToken)
    {
        metrics.Leader.Set(1);
        readiness.Expect(Readiness.FirstList);
        var reconciler = createReconciler();
        _ = reconciler.Synced.ContinueWith(_ => readiness.Passed(Readiness.FirstList), TaskScheduler.Default);
        try
        {
            await Task.WhenAll(leaderWork.Select(w => w.RunAsync(cancellationToken)).Prepend(reconciler.RunAsync(cancellationToken)));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            metrics.Leader.Set(0);
            metrics.Synced.Set(0);
        }
    }

    public static string? LeaseNamespace(ReconcilerOptions options) =>
        string.IsNullOrEmpty(options.LeaseNamespace) ? Environment.GetEnvironmentVariable("POD_NAMESPACE") : options.LeaseNamespace;

    [LoggerMessage(EventId = 130, Level = LogLevel.Information, Message = "Leader is {Leader} (this replica: {Identity})")]
    private static partial void LogLeader(ILogger logger, string leader, string identity);

    [LoggerMessage(EventId = 131, Level = LogLevel.Warning, Message = "Replica {Identity} lost the Lease; it stops acting until it holds it again")]
    private static partial void LogLostLease(ILogger logger, string identity);
}

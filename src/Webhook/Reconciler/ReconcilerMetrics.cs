using Prometheus;

namespace DeadlineGuard.Reconciler;

/// <summary>The reconciler's Prometheus series.</summary>
public sealed class ReconcilerMetrics
{
    public ReconcilerMetrics(CollectorRegistry registry)
    {
        var factory = Metrics.WithCustomRegistry(registry);
        Rollouts = factory.CreateGauge("deadline_guard_reconciler_rollouts", "Rollouts in the reconciler's cache.");
        PendingDeadlines = factory.CreateGauge("deadline_guard_reconciler_pending_deadlines", "Rollouts with a deadline scheduled to fall due.");
        Verdicts = factory.CreateCounter("deadline_guard_reconciler_verdicts_total", "Judgements made, by verdict (idle, waiting, exceeded).", "verdict");
        Actions = factory.CreateCounter("deadline_guard_reconciler_actions_total", "Actions taken on Rollouts past their deadline, by action and result.", "action", "result");
        WatchRestarts = factory.CreateCounter("deadline_guard_reconciler_watch_restarts_total", "Watch streams restarted, by reason.", "reason");
        Leader = factory.CreateGauge("deadline_guard_reconciler_leader", "1 while this replica holds the Lease and acts.");
        Synced = factory.CreateGauge("deadline_guard_reconciler_synced", "1 once the first full list has been judged.");
        _verdicts = [Verdicts.WithLabels("idle"), Verdicts.WithLabels("waiting"), Verdicts.WithLabels("exceeded")];
    }

    private readonly Counter.Child[] _verdicts;

    /// <summary>Counts one verdict (the series of <see cref="Verdicts"/>, resolved once rather than per judgement).</summary>
    public void Count(VerdictKind verdict) => _verdicts[(int)verdict].Inc();

    public Gauge Rollouts { get; }

    public Gauge PendingDeadlines { get; }

    public Counter Verdicts { get; }

    public Counter Actions { get; }

    public Counter WatchRestarts { get; }

    public Gauge Leader { get; }

    public Gauge Synced { get; }
}

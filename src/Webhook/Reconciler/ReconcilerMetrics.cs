using Prometheus;

namespace DeadlineGuard.Reconciler;

/// <summary>The reconciler's Prometheus series.</summary>
public sealed class ReconcilerMetrics
{
    public ReconcilerMetrics(CollectorRegistry registry)
    {
        var factory = Metrics.WithCustomRegistry(registry);
        Rollouts = factory.CreateGauge("deadline_guard_reconciler_rollouts", "Rollouts in the reconciler's cache.");
        PendingDeadlines = factory.CreateGauge("deadline_guard_reconciler_pending_deadlines", "Rollouts with a deadline or a pause limit scheduled to fall due.");
        Verdicts = factory.CreateCounter(
            "deadline_guard_reconciler_verdicts_total",
            "Judgements made, by verdict (idle, waiting, exceeded) and kind (deadline, or pause for a paused Rollout judged under the pause limit).",
            "verdict",
            "kind");
        Actions = factory.CreateCounter(
            "deadline_guard_reconciler_actions_total",
            "Actions taken on Rollouts past their deadline (kind deadline) or past the pause limit (kind pause), by action and result.",
            "action",
            "result",
            "kind");
        UnreadablePauses = factory.CreateCounter(
            "deadline_guard_reconciler_unreadable_pauses_total",
            "Paused Rollouts left alone because their pause data cannot be read, by problem; counted once per Rollout and problem.",
            "problem");
        WatchRestarts = factory.CreateCounter("deadline_guard_reconciler_watch_restarts_total", "Watch streams restarted, by reason.", "reason");
        Leader = factory.CreateGauge("deadline_guard_reconciler_leader", "1 while this replica holds the Lease and acts.");
        Synced = factory.CreateGauge("deadline_guard_reconciler_synced", "1 once the first full list has been judged.");
        _verdicts = [.. Enum.GetValues<LimitKind>().SelectMany(kind => Enum.GetValues<VerdictKind>().Select(verdict => Verdicts.WithLabels(Label(verdict), Label(kind))))];
    }

    /// <summary>The series of <see cref="Verdicts"/>, resolved once rather than per judgement: [kind × 3 + verdict].</summary>
    private readonly Counter.Child[] _verdicts;

    /// <summary>Counts one verdict.</summary>
    public void Count(VerdictKind verdict, LimitKind kind) => _verdicts[((int)kind * 3) + (int)verdict].Inc();

    /// <summary>Counts one action (or failed attempt) under its action, result and kind labels.</summary>
    public void CountAction(ActionTaken action, string result, LimitKind kind) => Actions.WithLabels(action.ToString(), result, Label(kind)).Inc();

    /// <summary>Counts a Rollout newly found with unreadable pause data.</summary>
    public void CountUnreadable(PauseInputProblem problem) => UnreadablePauses.WithLabels(Label(problem)).Inc();

    public static string Label(VerdictKind verdict) => verdict switch
    {
        VerdictKind.Idle => "idle",
        VerdictKind.Waiting => "waiting",
        _ => "exceeded",
    };

    public static string Label(LimitKind kind) => kind == LimitKind.Pause ? "pause" : "deadline";

    public static string Label(PauseInputProblem problem) => problem switch
    {
        PauseInputProblem.MissingStartTime => "missing_start_time",
        PauseInputProblem.UnparseableStartTime => "unparseable_start_time",
        PauseInputProblem.StepIndexPastSteps => "step_index_past_steps",
        _ => "wrong_type",
    };

    public Gauge Rollouts { get; }

    public Gauge PendingDeadlines { get; }

    public Counter Verdicts { get; }

    public Counter Actions { get; }

    public Counter UnreadablePauses { get; }

    public Counter WatchRestarts { get; }

    public Gauge Leader { get; }

    public Gauge Synced { get; }
}

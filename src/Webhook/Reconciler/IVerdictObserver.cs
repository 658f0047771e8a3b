namespace DeadlineGuard.Reconciler;

/// <summary>
/// Hears what the reconciler's loop judges, for work that follows the judge without being part of it (the policy
/// reports, <see cref="Reports.ReportKeeper"/>). Called on the loop's thread, between its own steps: an implementation
/// must be quick, must not block and must not throw.
/// </summary>
public interface IVerdictObserver
{
    /// <summary>Whether snapshots should carry the pitfalls found in each object (<see cref="RolloutPitfalls"/>), at decode.</summary>
    bool NeedsPitfalls { get; }

    /// <summary>A reconciler starts with an empty cache (this replica leads): forget every Rollout heard of before.</summary>
    void Started();

    /// <summary>The judge's verdict on a Rollout, each time it is judged (a change, a wake-up, a new policy).</summary>
    void Judged(RolloutSnapshot rollout, DeadlineVerdict verdict);

    /// <summary>The Rollout is gone (deleted, or no longer listed).</summary>
    void Forgotten(RolloutSnapshot rollout);

    /// <summary>Every scope's first list has been judged: what was heard is the whole cluster (in scope).</summary>
    void Synced();
}

namespace DeadlineGuard.Reconciler;

/// <summary>
/// Everything the reconciler's loop holds about one Rollout, in one place: its latest snapshot, the wake-up scheduled
/// for it, the revisions (and pauses) it has acted on, the pause-data problems logged for it, its failed attempts, and
/// an action whose Event is still to be sent. Owned and changed by the loop only.
/// </summary>
public sealed class RolloutRecord(RolloutSnapshot snapshot)
{
    /// <summary>Pause-data problems already logged for this Rollout (a bit per <see cref="PauseInputProblem"/>).</summary>
    private byte _reportedProblems;

    public RolloutSnapshot Snapshot { get; set; } = snapshot;

    /// <summary>When to judge it again (a deadline, or a retry after a failure); null when nothing is scheduled.</summary>
    public DateTimeOffset? WakeAt { get; set; }

    /// <summary>Revision keys (<see cref="DeadlineVerdict.RevisionKey"/>) acted on: at most once each.</summary>
    public HashSet<string>? Acted { get; private set; }

    /// <summary>Failed attempts in a row, for the backoff.</summary>
    public int Failures { get; set; }

    /// <summary>An action taken whose Event failed: at the retry the Event is sent, not the action taken again.</summary>
    public PendingReport? Unreported { get; set; }

    /// <summary>The list (per scope) that last named this Rollout.</summary>
    public int ListEpoch { get; set; }

    /// <summary>Dropped from the cache: scheduled wake-ups for it are stale.</summary>
    public bool Forgotten { get; set; }

    /// <summary>True the first time <paramref name="problem"/> is noted for this Rollout: it is logged and counted once.</summary>
    public bool NoteProblem(PauseInputProblem problem)
    {
        var bit = (byte)(1 << (int)problem);
        if ((_reportedProblems & bit) != 0)
        {
            return false;
        }

        _reportedProblems |= bit;
        return true;
    }

    public bool HasActed(string revisionKey) => Acted?.Contains(revisionKey) == true;

    public void MarkActed(string revisionKey) => (Acted ??= new HashSet<string>(StringComparer.Ordinal)).Add(revisionKey);
}

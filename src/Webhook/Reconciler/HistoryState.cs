namespace DeadlineGuard.Reconciler;

/// <summary>What the decoder found in the revision-history annotation.</summary>
public enum HistoryState
{
    /// <summary>No annotation.</summary>
    None,

    /// <summary>An entry has the current template's fingerprint (<see cref="RolloutSnapshot.Revision"/>).</summary>
    Matched,

    /// <summary>Readable, but no entry has the current fingerprint (a revision the webhook did not see start).</summary>
    Unmatched,

    /// <summary>Present but not a history the webhook writes (not JSON, a bad entry, seq not increasing): ignored.</summary>
    Unreadable,
}

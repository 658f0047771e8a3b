namespace DeadlineGuard.Admission;

/// <summary>What the webhook knows of the companion reconciler (<c>webhook reconcile</c>).</summary>
public enum ReconcilerPresence
{
    /// <summary>No reconciler runs: nothing enforces a deadline Argo skips, nor any pause limit.</summary>
    Absent,

    /// <summary>The chart runs the reconciler (<c>Pitfalls:ReconcilerRunning</c>), in some namespaces or all.</summary>
    Running,

    /// <summary>Not known (the offline <c>review</c>): pitfalls it covers are reported, the policy's pause limit is assumed.</summary>
    Unknown,
}

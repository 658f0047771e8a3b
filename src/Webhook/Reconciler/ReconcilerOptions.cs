namespace DeadlineGuard.Reconciler;

/// <summary>Configuration section "Reconciler".</summary>
public sealed class ReconcilerOptions
{
    public const string Section = "Reconciler";

    /// <summary>Namespaces to watch; empty means cluster-wide.</summary>
    public string[] Namespaces { get; set; } = [];

    /// <summary>Argo gets the first chance: act only this long after the deadline.</summary>
    public int GraceSeconds { get; set; } = 30;

    /// <summary>Report "would abort" and change nothing.</summary>
    public bool DryRun { get; set; }

    /// <summary>Also remove an expired scale-down-deadline from old zero-replica ReplicaSets (the upstream fix's semantics).</summary>
    public bool RepairStaleScaleDownDeadline { get; set; }

    /// <summary>Hold a coordination.k8s.io Lease so that only one replica acts.</summary>
    public bool LeaderElection { get; set; } = true;

    /// <summary>Namespace of the Lease; defaults to the POD_NAMESPACE environment variable.</summary>
    public string? LeaseNamespace { get; set; }

    public string LeaseName { get; set; } = "rollout-deadline-guard-reconciler";

    public int LeaseDurationSeconds { get; set; } = 15;

    public int RenewDeadlineSeconds { get; set; } = 10;

    public int RetryPeriodSeconds { get; set; } = 2;

    /// <summary>Restart a watch that has been silent (not even a bookmark) for this long.</summary>
    public int WatchIdleTimeoutSeconds { get; set; } = 300;

    /// <summary>Largest wait between retries of a failing API call.</summary>
    public int MaxBackoffSeconds { get; set; } = 60;
}

namespace DeadlineGuard.Reconciler.Reports;

/// <summary>Configuration section "Reports": the policy reports the reconciler's leader keeps (docs/reports.md).</summary>
public sealed class ReportOptions
{
    public const string Section = "Reports";

    /// <summary>Keep one report per namespace with Rollouts.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>PolicyReport (wgpolicyk8s.io/v1alpha2) or OpenReports (openreports.io/v1alpha1 Report).</summary>
    public ReportFormat Format { get; set; } = ReportFormat.PolicyReport;

    /// <summary>A namespace's report is written at most once in this many seconds, and this long after its first change: bursts coalesce.</summary>
    public int IntervalSeconds { get; set; } = 5;

    /// <summary>While the report CRD is not installed, look again this often (and at each leadership start).</summary>
    public int RecheckMinutes { get; set; } = 10;

    /// <summary>
    /// The largest report written, in bytes of JSON. Past it, pass results are left out (and counted in an annotation),
    /// then the rest: etcd keeps objects up to 1.5 MiB.
    /// </summary>
    public int MaxReportBytes { get; set; } = 1024 * 1024;
}

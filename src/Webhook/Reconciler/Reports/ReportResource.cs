namespace DeadlineGuard.Reconciler.Reports;

/// <summary>The API coordinates of a report type: group, version, plural and kind, as its CRD declares them.</summary>
public sealed record ReportResource(ReportFormat Format, string Group, string Version, string Plural, string Kind)
{
    /// <summary>policy-report/crd/v1alpha2/wgpolicyk8s.io_policyreports.yaml: group wgpolicyk8s.io, plural policyreports, kind PolicyReport.</summary>
    public static ReportResource PolicyReport { get; } = new(ReportFormat.PolicyReport, "wgpolicyk8s.io", "v1alpha2", "policyreports", "PolicyReport");

    /// <summary>config/crd/openreports.io_reports.yaml: group openreports.io, plural reports, kind Report.</summary>
    public static ReportResource OpenReports { get; } = new(ReportFormat.OpenReports, "openreports.io", "v1alpha1", "reports", "Report");

    public string ApiVersion => $"{Group}/{Version}";

    /// <summary>"policyreports.wgpolicyk8s.io/v1alpha2", as messages name it.</summary>
    public string Display => $"{Plural}.{Group}/{Version}";

    public static ReportResource Of(ReportFormat format) => format == ReportFormat.OpenReports ? OpenReports : PolicyReport;
}

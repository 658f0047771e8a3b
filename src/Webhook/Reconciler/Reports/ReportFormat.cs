namespace DeadlineGuard.Reconciler.Reports;

/// <summary>Which report type the reconciler writes (<c>Reports:Format</c>).</summary>
public enum ReportFormat
{
    /// <summary>
    /// <c>wgpolicyk8s.io/v1alpha2</c> PolicyReport (kubernetes-sigs/wg-policy-prototypes,
    /// policy-report/crd/v1alpha2/wgpolicyk8s.io_policyreports.yaml): what Kyverno writes by default and Policy
    /// Reporter reads.
    /// </summary>
    PolicyReport,

    /// <summary>
    /// <c>openreports.io/v1alpha1</c> Report (openreports/reports-api, apis/openreports.io/v1alpha1/report_types.go and
    /// config/crd/openreports.io_reports.yaml): the successor format, the same results plus a report-level source.
    /// </summary>
    OpenReports,
}

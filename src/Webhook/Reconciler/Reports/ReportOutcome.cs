namespace DeadlineGuard.Reconciler.Reports;

/// <summary>A result's <c>result</c> field: the enum both report CRDs declare (pass, fail, warn, error, skip).</summary>
public enum ReportOutcome
{
    Pass,
    Fail,
    Warn,
    Error,
    Skip,
}

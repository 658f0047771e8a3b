namespace DeadlineGuard.Reconciler.Reports;

/// <summary>A report write found the report CRD gone (404 on its collection): the keeper looks for it again.</summary>
public sealed class ReportCrdMissingException : Exception
{
    public ReportCrdMissingException()
        : base("the report CRD is not installed")
    {
    }

    public ReportCrdMissingException(string message)
        : base(message)
    {
    }

    public ReportCrdMissingException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

namespace DeadlineGuard.Reconciler.Reports;

/// <summary>
/// One result about one Rollout, as both report formats hold it (policy, rule, result, message, severity, category,
/// scored, properties; the resource and the timestamp are added when the report is written).
/// </summary>
public sealed record ReportResult(
    string Policy,
    string Rule,
    ReportOutcome Result,
    string Message,
    string Severity,
    bool Scored,
    IReadOnlyList<KeyValuePair<string, string>> Properties)
{
    /// <summary>The value of every result's <c>source</c>.</summary>
    public const string Source = "deadline-guard";

    public const string Category = "Argo Rollouts progress deadline";
}

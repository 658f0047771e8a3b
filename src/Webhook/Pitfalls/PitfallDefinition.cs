namespace DeadlineGuard.Pitfalls;

/// <summary>One entry of the catalog (docs/pitfalls.md).</summary>
/// <param name="Id">Stable id, <c>DG1nn</c>.</param>
/// <param name="Severity">How much it can hurt.</param>
/// <param name="Title">One line, for listings and policy validation messages.</param>
/// <param name="CoveredByReconciler">
/// True when the deadline-guard reconciler enforces the deadline even though Argo Rollouts does not: such a
/// pitfall is reported at admission only when the chart runs without the reconciler (DESIGN.md §5a).
/// </param>
public sealed record PitfallDefinition(string Id, PitfallSeverity Severity, string Title, bool CoveredByReconciler)
{
    /// <summary>Where the entry is documented, relative to the repository root.</summary>
    public string DocsAnchor => "docs/pitfalls.md#" + Id.ToLowerInvariant();
}

namespace DeadlineGuard.Pitfalls;

/// <summary>One pitfall found in one Rollout.</summary>
/// <param name="Id">The catalog id (<see cref="PitfallCatalog"/>).</param>
/// <param name="Severity">From the catalog.</param>
/// <param name="Warning">One line under 120 characters that starts with the id: an admission warning.</param>
/// <param name="Explanation">What happens, why, and the fix, for <c>review</c> and the decision log.</param>
public sealed record PitfallFinding(string Id, PitfallSeverity Severity, string Warning, string Explanation);

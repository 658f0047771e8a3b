namespace DeadlineGuard.Policy;

/// <summary>Pitfall ids (docs/pitfalls.md) not to report anywhere in the cluster, as written in the file.</summary>
public sealed record PitfallOptions(IReadOnlyList<string> Ignore);

namespace DeadlineGuard.Pitfalls;

/// <summary>A finding that is not reported, and why; <c>review</c> and the decision log can still say so.</summary>
public sealed record SuppressedPitfall(PitfallFinding Finding, SuppressionReason Reason);

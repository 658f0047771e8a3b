namespace DeadlineGuard.Pitfalls;

/// <summary>A pitfall's severity as <c>review</c> and the policy reports write it: "high", "medium" or "low".</summary>
public static class PitfallSeverityName
{
    public static string Of(PitfallSeverity severity) => severity switch
    {
        PitfallSeverity.High => "high",
        PitfallSeverity.Medium => "medium",
        _ => "low",
    };
}

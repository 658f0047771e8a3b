namespace DeadlineGuard.Pitfalls;

/// <summary>How much a pitfall can hurt. Findings are ordered most severe first.</summary>
public enum PitfallSeverity
{
    /// <summary>Nothing breaks; something the user wrote was not understood.</summary>
    Low,

    /// <summary>A revision can be aborted although healthy, or wait for ever, under some conditions.</summary>
    Medium,

    /// <summary>The deadline can be silently defeated: a broken version completes, or no later deadline fires.</summary>
    High,
}

namespace DeadlineGuard.Reconciler;

/// <summary>Which limit a verdict is about: a revision's progress deadline, or the policy's limit on an indefinite pause.</summary>
public enum LimitKind
{
    /// <summary>The progress deadline in force (spec.progressDeadlineSeconds).</summary>
    Deadline,

    /// <summary>The pause limit (policy pauses.maxSeconds) on an indefinite pause.</summary>
    Pause,
}

namespace DeadlineGuard.Reconciler;

/// <summary>
/// Why the data of a pause cannot be judged. The API server's schema keeps all of these out of a real cluster (status
/// is validated like spec); a Rollout showing one is left alone, logged once and counted, never acted on.
/// </summary>
public enum PauseInputProblem
{
    /// <summary>A pause condition without startTime (absent or null).</summary>
    MissingStartTime,

    /// <summary>A pause condition whose startTime is a string that is not a time.</summary>
    UnparseableStartTime,

    /// <summary>status.currentStepIndex names no step of spec.strategy.canary.steps.</summary>
    StepIndexPastSteps,

    /// <summary>A field the pause limit reads has the wrong type (a pause condition that is not an object, a reason that is not a string, an index that is not a whole number...).</summary>
    WrongType,
}

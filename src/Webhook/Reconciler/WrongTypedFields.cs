namespace DeadlineGuard.Reconciler;

/// <summary>
/// Fields the pause limit reads that the decoder found with a value of the wrong type (which counts as absent, as
/// everywhere in the snapshot). <c>null</c> is not a wrong type: it is how JSON leaves a field unset.
/// </summary>
[Flags]
public enum WrongTypedFields : byte
{
    None = 0,

    /// <summary>spec.strategy.blueGreen.autoPromotionEnabled is not true or false.</summary>
    AutoPromotionEnabled = 1,

    /// <summary>spec.strategy.blueGreen.autoPromotionSeconds is not a whole number.</summary>
    AutoPromotionSeconds = 2,

    /// <summary>status.currentStepIndex is not a whole number.</summary>
    CurrentStepIndex = 4,

    /// <summary>status.pauseConditions is not a list.</summary>
    PauseConditions = 8,
}

namespace DeadlineGuard.Reconciler;

/// <summary>
/// One canary step as the judge needs it: its kind (the step object's first field: setWeight, pause, analysis,
/// experiment...; "unknown" for a step that is not an object or is empty) and, for a pause, whether it has a duration.
/// </summary>
public readonly record struct CanaryStep(string Kind, bool HasDuration = false);

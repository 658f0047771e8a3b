namespace DeadlineGuard.Reconciler;

/// <summary>What was done about an exceeded deadline or pause limit.</summary>
public enum ActionTaken
{
    Aborted,
    WouldAbort,
    Reported,
    Gone,
}

namespace DeadlineGuard.History;

/// <summary>
/// A Rollout write as the history records it: the operation and its user, the object and (on UPDATE) the
/// stored one, and the deadline values in force after mutation (<see cref="DeadlineSeconds"/> null when the
/// Rollout's value is not a usable whole number).
/// </summary>
public sealed record RevisionWrite(
    string Operation,
    string User,
    RolloutView Rollout,
    RolloutView? Previous,
    int? DeadlineSeconds,
    bool Abort);

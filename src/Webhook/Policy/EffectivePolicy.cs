namespace DeadlineGuard.Policy;

/// <summary>
/// The rules in force for one namespace, after the first matching override; <paramref name="PauseMaxSeconds"/> (0: no
/// limit) and <paramref name="PauseAbort"/> are the pause limit in force there.
/// </summary>
public sealed record EffectivePolicy(
    bool Inject,
    int DefaultSeconds,
    bool DefaultAbort,
    int MinSeconds,
    int MaxSeconds,
    bool RequireAbort,
    PolicyAction Action,
    int? OverrideIndex,
    int PauseMaxSeconds = 0,
    bool PauseAbort = true);

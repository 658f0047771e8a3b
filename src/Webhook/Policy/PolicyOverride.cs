namespace DeadlineGuard.Policy;

/// <summary>
/// A per-namespace override; a null member keeps the policy's own value. <paramref name="PauseMaxSeconds"/> and
/// <paramref name="PauseAbort"/> are the override's <c>pauses.maxSeconds</c> and <c>pauses.abort</c>.
/// </summary>
public sealed record PolicyOverride(
    IReadOnlyList<string> Namespaces,
    PolicyAction? Action,
    int? MinSeconds,
    int? MaxSeconds,
    int? DefaultSeconds,
    bool? DefaultAbort,
    bool? RequireAbort,
    bool? Inject,
    int? PauseMaxSeconds = null,
    bool? PauseAbort = null);

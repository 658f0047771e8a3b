namespace DeadlineGuard.Policy;

/// <summary>What a violation does: refuse the request, allow it with warnings, or allow it and record it.</summary>
public enum PolicyAction
{
    Deny,
    Warn,
    Audit,
}

public sealed record DeadlineDefaults(int ProgressDeadlineSeconds, bool ProgressDeadlineAbort);

public sealed record DeadlineBounds(int MinSeconds, int MaxSeconds);

public sealed record Exemptions(string Annotation, IReadOnlyList<string> AllowedIn, IReadOnlyList<string> Namespaces);

public sealed record HistoryOptions(int Limit);

/// <summary>
/// The limit on an indefinite pause (DESIGN.md §5), enforced by the reconciler: <paramref name="MaxSeconds"/> 0 is
/// off; <paramref name="Abort"/> false reports (Event and metric) without aborting.
/// </summary>
public sealed record PauseOptions(int MaxSeconds, bool Abort);

/// <summary>Pitfall ids (docs/pitfalls.md) not to report anywhere in the cluster, as written in the file.</summary>
public sealed record PitfallOptions(IReadOnlyList<string> Ignore);

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

/// <summary>The cluster's deadline policy (apiVersion deadline-guard.io/v1, kind DeadlinePolicy).</summary>
public sealed record DeadlinePolicy(
    bool Inject,
    DeadlineDefaults Defaults,
    DeadlineBounds Bounds,
    bool RequireAbort,
    PolicyAction Action,
    Exemptions Exemptions,
    IReadOnlyList<PolicyOverride> Overrides,
    HistoryOptions History,
    PauseOptions Pauses,
    PitfallOptions Pitfalls)
{
    public const string ApiVersion = "deadline-guard.io/v1";
    public const string Kind = "DeadlinePolicy";

    /// <summary>The built-in policy: DESIGN.md §2's example without overrides.</summary>
    public static DeadlinePolicy BuiltIn { get; } = new(
        Inject: true,
        Defaults: new DeadlineDefaults(600, true),
        Bounds: new DeadlineBounds(30, 3600),
        RequireAbort: true,
        Action: PolicyAction.Deny,
        Exemptions: new Exemptions("deadline-guard.io/exempt", ["sandbox-*"], ["kube-system"]),
        Overrides: [],
        History: new HistoryOptions(10),
        Pauses: new PauseOptions(MaxSeconds: 0, Abort: true),
        Pitfalls: new PitfallOptions([]));
}

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

namespace DeadlineGuard.Policy;

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

using DeadlineGuard.Json;
using DeadlineGuard.Pitfalls;

namespace DeadlineGuard.Admission;

/// <summary>The answer to one review, independent of HTTP and of the AdmissionReview version.</summary>
public sealed record AdmissionDecision(
    Outcome Outcome,
    bool Allowed,
    IReadOnlyList<PatchOperation> Patch,
    IReadOnlyList<Violation> Violations,
    IReadOnlyList<string> Warnings,
    IReadOnlyDictionary<string, string> AuditAnnotations,
    string? Message)
{
    private static readonly Dictionary<string, string> NoAnnotations = [];

    /// <summary>
    /// The pitfalls found in the Rollout (docs/pitfalls.md): only /validate looks for them, and never for an exempt
    /// Rollout. They never change <see cref="Allowed"/> or <see cref="Outcome"/>.
    /// </summary>
    public PitfallReport Pitfalls { get; init; } = PitfallReport.Empty;

    /// <summary>
    /// <see cref="Pitfalls"/> as admission warnings (at most three, then "and N more"), sent after <see cref="Warnings"/>,
    /// which are the policy's own.
    /// </summary>
    public IReadOnlyList<string> PitfallWarnings { get; init; } = [];

    /// <summary>
    /// The fault that stopped the pitfall check, if one did: the decision stands without pitfalls (they are advice,
    /// never a reason to refuse), and the handler logs it.
    /// </summary>
    public Exception? PitfallFault { get; init; }

    public static AdmissionDecision Skip { get; } = Allow(Outcome.Skipped);

    public static AdmissionDecision Allow(Outcome outcome, IReadOnlyList<string>? warnings = null, IReadOnlyDictionary<string, string>? audit = null) =>
        new(outcome, true, [], [], warnings ?? [], audit ?? NoAnnotations, null);

    public static AdmissionDecision WithPatch(IReadOnlyList<PatchOperation> patch, IReadOnlyList<string> warnings) =>
        new(patch.Count > 0 ? Outcome.Patched : Outcome.Allowed, true, patch, [], warnings, NoAnnotations, null);

    public static AdmissionDecision Deny(IReadOnlyList<Violation> violations, string message, IReadOnlyList<string> warnings) =>
        new(Outcome.Denied, false, [], violations, warnings, NoAnnotations, message);
}

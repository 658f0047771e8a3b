using DeadlineGuard.Json;

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

    public static AdmissionDecision Skip { get; } = Allow(Outcome.Skipped);

    public static AdmissionDecision Allow(Outcome outcome, IReadOnlyList<string>? warnings = null, IReadOnlyDictionary<string, string>? audit = null) =>
        new(outcome, true, [], [], warnings ?? [], audit ?? NoAnnotations, null);

    public static AdmissionDecision WithPatch(IReadOnlyList<PatchOperation> patch, IReadOnlyList<string> warnings) =>
        new(patch.Count > 0 ? Outcome.Patched : Outcome.Allowed, true, patch, [], warnings, NoAnnotations, null);

    public static AdmissionDecision Deny(IReadOnlyList<Violation> violations, string message, IReadOnlyList<string> warnings) =>
        new(Outcome.Denied, false, [], violations, warnings, NoAnnotations, message);
}

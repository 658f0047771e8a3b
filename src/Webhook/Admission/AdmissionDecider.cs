using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using DeadlineGuard.History;
using DeadlineGuard.Pitfalls;
using DeadlineGuard.Policy;
using RolloutView = DeadlineGuard.History.RolloutView;

namespace DeadlineGuard.Admission;

/// <summary>
/// The two admission decisions as pure functions of (request, policy): no HTTP, no I/O.
/// /mutate adds what is missing and never refuses; /validate judges the final object, never patches, and reports
/// the Rollout's pitfalls (docs/pitfalls.md) as warnings after the policy's own.
/// </summary>
/// <param name="time">The clock of the revision history.</param>
/// <param name="coverage">What the webhook knows of the reconciler, for the pitfalls; <see cref="ReconcilerCoverage.Absent"/> when not told.</param>
public sealed class AdmissionDecider(TimeProvider? time = null, ReconcilerCoverage? coverage = null)
{
    /// <summary>Kubernetes truncates longer warnings; keep each within this.</summary>
    public const int MaxWarningLength = 119;

    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly ReconcilerCoverage _coverage = coverage ?? ReconcilerCoverage.Absent;
    private readonly ConcurrentDictionary<EffectivePolicy, RolloutDeadlineRules> _rules = new();

    /// <summary>
    /// Injects missing deadline fields (unless exempt) and keeps the revision history. With
    /// <paramref name="recordHistory"/> false (offline review) only the policy's own changes are made.
    /// </summary>
    public AdmissionDecision Mutate(AdmissionRequest request, DeadlinePolicy policy, bool recordHistory = true) =>
        Mutation(request, policy, recordHistory).Decision;

    /// <summary>
    /// Both decisions for one object, as the API server would make them in turn: mutate, then validate the result.
    /// Offline, whether a reconciler runs is not known: every pitfall is reported, and the policy's pause limit is
    /// taken as in force (<see cref="ReconcilerCoverage.Unknown"/>).
    /// </summary>
    public (AdmissionDecision Mutation, AdmissionDecision Validation) Review(AdmissionRequest request, DeadlinePolicy policy)
    {
        // One mutation: the validation judges its injection without building the mutated object.
        var (mutation, injection) = Mutation(request, policy, recordHistory: false);
        return mutation.Outcome is Outcome.Patched or Outcome.Allowed
            ? (mutation, Validate(request, policy, injection, ReconcilerCoverage.Unknown))
            : (mutation, Validate(request, policy, default, ReconcilerCoverage.Unknown));
    }

    /// <summary>
    /// <see cref="Review(AdmissionRequest, DeadlinePolicy)"/> of a manifest, as a CREATE by the offline <c>review</c>
    /// command. A manifest that cannot be decoded as the API server would send it is denied with the reason.
    /// </summary>
    public (AdmissionDecision Mutation, AdmissionDecision Validation) Review(JsonObject rollout, string @namespace, string name, DeadlinePolicy policy)
    {
        var decoded = AdmissionDecoder.ForManifest(rollout, @namespace, name);
        if (decoded.Request is not { } request)
        {
            var message = $"Rollout {@namespace}/{name} cannot be evaluated: {decoded.Error}";
            return (AdmissionDecision.Allow(Outcome.Error, [Truncate(message)]), AdmissionDecision.Deny([], message, []));
        }

        using (request)
        {
            return Review(request, policy);
        }
    }

    public AdmissionDecision Validate(AdmissionRequest request, DeadlinePolicy policy) => Validate(request, policy, default, _coverage);

    private AdmissionDecision Validate(AdmissionRequest request, DeadlinePolicy policy, DeadlineInjection injection, ReconcilerCoverage coverage)
    {
        if (RolloutUnderPolicy.Of(request, policy) is not { } subject)
        {
            return request.IsRolloutWrite ? AdmissionDecision.Allow(Outcome.Exempt) : AdmissionDecision.Skip;
        }

        var (rollout, effective, exemption) = subject;
        if (exemption.Exempt)
        {
            // An exempt Rollout has opted out of the deadline policy: its pitfalls are not looked for either.
            return AdmissionDecision.Allow(Outcome.Exempt, audit: new Dictionary<string, string> { ["exempt"] = exemption.Reason! });
        }

        var decision = Enforce(RolloutDeadlineFields.From(rollout).With(injection), request.Display, effective, exemption.Warning);
        PitfallReport pitfalls;
        try
        {
            pitfalls = AdmissionPitfalls.Find(rollout, request.Namespace, policy, effective, injection.Seconds, coverage);
        }
#pragma warning disable CA1031 // pitfalls are advice: a fault in finding them must never turn into a denial under failurePolicy Fail
        catch (Exception e)
#pragma warning restore CA1031
        {
            return decision with { PitfallFault = e };
        }

        return pitfalls.Findings.Count == 0 && pitfalls.Notes.Count == 0 && pitfalls.Suppressed.Count == 0
            ? decision
            : decision with { Pitfalls = pitfalls, PitfallWarnings = PitfallWarnings.ForAdmission(pitfalls.Findings) };
    }

    private (AdmissionDecision Decision, DeadlineInjection Injection) Mutation(AdmissionRequest request, DeadlinePolicy policy, bool recordHistory)
    {
        if (RolloutUnderPolicy.Of(request, policy) is not { } subject)
        {
            return (request.IsRolloutWrite ? AdmissionDecision.Allow(Outcome.Exempt) : AdmissionDecision.Skip, default);
        }

        var (rollout, effective, exemption) = subject;
        var warnings = new List<string>(2);
        if (exemption.Warning is not null)
        {
            warnings.Add(Truncate(exemption.Warning));
        }

        var injection = exemption.Exempt ? default : RolloutMutator.Plan(rollout, effective);
        HistoryUpdate? history = null;
        if (recordHistory)
        {
            var found = RolloutDeadlineFields.From(rollout);
            history = RevisionRecorder.Record(
                new RevisionWrite(request.Operation, request.User, rollout, request.OldObject, injection.Seconds ?? found.DeadlineInForce, injection.Abort ?? found.AbortInForce),
                policy.History.Limit,
                _time.GetUtcNow());
            foreach (var warning in history.Warnings)
            {
                warnings.Add(Truncate(warning));
            }
        }

        var patch = OwnedFieldPatch.Build(rollout, injection, history);
        var decision = exemption.Exempt && patch.Count == 0
            ? AdmissionDecision.Allow(Outcome.Exempt, warnings)
            : AdmissionDecision.WithPatch(patch, warnings);
        return (decision, injection);
    }

    /// <summary>Holds one Rollout's deadline fields to the effective policy and applies its action.</summary>
    public AdmissionDecision Enforce(RolloutDeadlineFields fields, string display, EffectivePolicy effective, string? extraWarning = null)
    {
        var rules = _rules.GetOrAdd(effective, static p => new RolloutDeadlineRules(p));
        var result = rules.Validate(fields);
        var warnings = new List<string>();
        if (extraWarning is not null)
        {
            warnings.Add(Truncate(extraWarning));
        }

        if (result.IsValid)
        {
            return AdmissionDecision.Allow(Outcome.Allowed, warnings);
        }

        var violations = result.Errors.Select(e => (Violation)e.CustomState).ToList();
        switch (effective.Action)
        {
            case PolicyAction.Deny:
                var message = $"Rollout {display} violates the progress-deadline policy: {string.Join("; ", violations.Select(v => v.Message))}";
                return AdmissionDecision.Deny(violations, message, warnings);
            case PolicyAction.Warn:
                warnings.AddRange(violations.Select(v => Truncate(v.Message)));
                return AdmissionDecision.Allow(Outcome.Warned, warnings) with { Violations = violations };
            default:
                var audit = new Dictionary<string, string> { ["violations"] = string.Join("; ", violations.Select(v => v.Message)) };
                return AdmissionDecision.Allow(Outcome.Audited, warnings, audit) with { Violations = violations };
        }
    }

    public static string Truncate(string warning) =>
        warning.Length <= MaxWarningLength ? warning : string.Concat(warning.AsSpan(0, MaxWarningLength - 1), "…");
}

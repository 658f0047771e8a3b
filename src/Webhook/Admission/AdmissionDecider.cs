using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using DeadlineGuard.History;
using DeadlineGuard.Json;
using DeadlineGuard.Policy;

namespace DeadlineGuard.Admission;

/// <summary>
/// The two admission decisions as pure functions of (request, policy): no HTTP, no I/O.
/// /mutate adds what is missing and never refuses; /validate judges the final object and never patches.
/// </summary>
public sealed class AdmissionDecider(TimeProvider? time = null)
{
    /// <summary>Kubernetes truncates longer warnings; keep each within this.</summary>
    public const int MaxWarningLength = 119;

    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly ConcurrentDictionary<EffectivePolicy, RolloutDeadlineRules> _rules = new();

    /// <summary>
    /// Injects missing deadline fields (unless exempt) and keeps the revision history. With
    /// <paramref name="recordHistory"/> false (offline review) only the policy's own changes are made.
    /// </summary>
    public AdmissionDecision Mutate(AdmissionRequest request, DeadlinePolicy policy, bool recordHistory = true)
    {
        if (Subject.Of(request, policy) is not { } subject)
        {
            return request.IsRolloutWrite ? AdmissionDecision.Allow(Outcome.Exempt) : AdmissionDecision.Skip;
        }

        var (rollout, effective, exemption) = subject;
        var warnings = new List<string>(2);
        if (exemption.Warning is not null)
        {
            warnings.Add(Truncate(exemption.Warning));
        }

        var before = OwnedFields.Extract(rollout);
        var after = (JsonObject)before.DeepClone();
        if (!exemption.Exempt)
        {
            RolloutMutator.InjectDeadline(after, effective);
        }

        if (recordHistory)
        {
            var history = RevisionRecorder.Record(request, after, policy.History.Limit, _time.GetUtcNow());
            warnings.AddRange(history.Warnings.Select(Truncate));
            RevisionRecorder.Apply(after, history.Annotation);
        }

        var patch = JsonPatch.Diff(before, after);
        return exemption.Exempt && patch.Count == 0
            ? AdmissionDecision.Allow(Outcome.Exempt, warnings)
            : AdmissionDecision.WithPatch(patch, warnings);
    }

    /// <summary>Both decisions for one object, as the API server would make them in turn: mutate, then validate the result.</summary>
    public (AdmissionDecision Mutation, AdmissionDecision Validation) Review(AdmissionRequest request, DeadlinePolicy policy)
    {
        var mutation = Mutate(request, policy, recordHistory: false);
        if (mutation.Outcome is not (Outcome.Patched or Outcome.Allowed))
        {
            return (mutation, Validate(request, policy));
        }

        var mutated = MutatedCopy(request.Object!, PolicyResolver.Resolve(policy, request.Namespace)) ?? request.Object;
        return (mutation, Validate(request with { Object = mutated }, policy));
    }

    /// <summary>A copy with the injected fields, or null when nothing needs injecting.</summary>
    private static JsonObject? MutatedCopy(JsonObject rollout, EffectivePolicy effective)
    {
        if (!RolloutMutator.NeedsInjection(rollout, effective))
        {
            return null;
        }

        var mutated = (JsonObject)rollout.DeepClone();
        RolloutMutator.InjectDeadline(mutated, effective);
        return mutated;
    }

    public AdmissionDecision Validate(AdmissionRequest request, DeadlinePolicy policy)
    {
        if (Subject.Of(request, policy) is not { } subject)
        {
            return request.IsRolloutWrite ? AdmissionDecision.Allow(Outcome.Exempt) : AdmissionDecision.Skip;
        }

        var (rollout, effective, exemption) = subject;
        if (exemption.Exempt)
        {
            return AdmissionDecision.Allow(Outcome.Exempt, audit: new Dictionary<string, string> { ["exempt"] = exemption.Reason! });
        }

        return Judge(rollout, request.Display, effective, exemption.Warning);
    }

    /// <summary>Holds one Rollout to the effective policy and applies its action.</summary>
    public AdmissionDecision Judge(JsonObject rollout, string display, EffectivePolicy effective, string? extraWarning = null)
    {
        var rules = _rules.GetOrAdd(effective, static p => new RolloutDeadlineRules(p));
        var result = rules.Validate(RolloutDeadlineFields.From(rollout));
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

/// <summary>A Rollout write the policy applies to, with the rules in force for its namespace.</summary>
internal sealed record Subject(JsonObject Rollout, EffectivePolicy Effective, Exemption Exemption)
{
    /// <summary>Null for requests that are not Rollout writes and for Rollouts in exempt namespaces.</summary>
    public static Subject? Of(AdmissionRequest request, DeadlinePolicy policy)
    {
        if (!request.IsRolloutWrite || request.Object is null || PolicyResolver.IsExemptNamespace(policy, request.Namespace))
        {
            return null;
        }

        return new Subject(
            request.Object,
            PolicyResolver.Resolve(policy, request.Namespace),
            Exemption.Evaluate(policy, request.Namespace, request.Object));
    }
}

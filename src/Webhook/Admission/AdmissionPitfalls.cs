using System.Text.Json;
using DeadlineGuard.History;
using DeadlineGuard.Pitfalls;
using DeadlineGuard.Policy;
using RolloutView = DeadlineGuard.History.RolloutView;

namespace DeadlineGuard.Admission;

/// <summary>
/// The pitfalls (docs/pitfalls.md) of a Rollout under admission: the detector given only the two parts it reads,
/// <c>spec</c> and the ignore annotation, each parsed alone from the bytes the scan located (never the whole object),
/// with the context the policy and the reconciler's coverage give.
/// </summary>
internal static class AdmissionPitfalls
{
    /// <param name="rollout">The Rollout as /validate gets it.</param>
    /// <param name="namespace">Its namespace.</param>
    /// <param name="policy">The policy in force (its <c>pitfalls.ignore</c>).</param>
    /// <param name="effective">The rules for the namespace (its pause limit).</param>
    /// <param name="deadlineSeconds">The deadline injected by /mutate when known (review); null: the Rollout's own.</param>
    /// <param name="coverage">What the webhook knows of the reconciler.</param>
    public static PitfallReport Find(
        RolloutView rollout, string @namespace, DeadlinePolicy policy, EffectivePolicy effective, int? deadlineSeconds, ReconcilerCoverage coverage)
    {
        var context = coverage.Context(@namespace, effective.PauseMaxSeconds, deadlineSeconds, policy.Pitfalls.Ignore);
        var ignore = rollout.TryGetAnnotation(PitfallDetector.IgnoreAnnotation, out var value) ? value : (JsonElement?)null;
        return PitfallDetector.Detect(rollout.Spec, ignore, context);
    }
}

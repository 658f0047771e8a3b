using DeadlineGuard.History;
using DeadlineGuard.Policy;

namespace DeadlineGuard.Admission;

/// <summary>A Rollout write the policy applies to, with the rules in force for its namespace.</summary>
internal sealed record RolloutUnderPolicy(RolloutView Rollout, EffectivePolicy Effective, Exemption Exemption)
{
    /// <summary>Null for requests that are not Rollout writes and for Rollouts in exempt namespaces.</summary>
    public static RolloutUnderPolicy? Of(AdmissionRequest request, DeadlinePolicy policy)
    {
        if (!request.IsRolloutWrite || request.Object is null || PolicyResolver.IsExemptNamespace(policy, request.Namespace))
        {
            return null;
        }

        return new RolloutUnderPolicy(
            request.Object,
            PolicyResolver.Resolve(policy, request.Namespace),
            Exemption.Evaluate(policy, request.Namespace, request.Object.TryGetAnnotation(policy.Exemptions.Annotation, out var annotation) ? annotation : null));
    }
}

using DeadlineGuard.Policy;
using FluentValidation;

namespace DeadlineGuard.Admission;

/// <summary>The rules a Rollout is held to under one effective policy (DESIGN.md §2).</summary>
public sealed class RolloutDeadlineRules : AbstractValidator<RolloutDeadlineFields>
{
    public RolloutDeadlineRules(EffectivePolicy policy)
    {
        var range = $"a whole number of seconds from {policy.MinSeconds} to {policy.MaxSeconds}";
        RuleFor(r => r.Deadline).Cascade(CascadeMode.Stop)
            .Must(d => d.Present).Explain(RolloutDeadlineFields.DeadlineField, d => d.Describe(), Requirement.Set, null, $"it must be set to {range}")
            .Must(d => d.IsInt32).Explain(RolloutDeadlineFields.DeadlineField, d => d.Describe(), Requirement.WholeNumber, null, $"it must be {range}")
            .Must(d => d.Int32 >= policy.MinSeconds).Explain(RolloutDeadlineFields.DeadlineField, d => d.Describe(), Requirement.AtLeast, policy.MinSeconds, $"it must be at least {policy.MinSeconds} (policy bounds {policy.MinSeconds}-{policy.MaxSeconds})")
            .Must(d => d.Int32 <= policy.MaxSeconds).Explain(RolloutDeadlineFields.DeadlineField, d => d.Describe(), Requirement.AtMost, policy.MaxSeconds, $"it must be at most {policy.MaxSeconds} (policy bounds {policy.MinSeconds}-{policy.MaxSeconds})");

        // Argo rejects progressDeadlineSeconds <= minReadySeconds (validation.go), but only later, as InvalidSpec.
        // A value already below the minimum bound is reported once, by the bound.
        RuleFor(r => r)
            .Must(r => !r.Deadline.IsInt32 || r.Deadline.Int32 < policy.MinSeconds || r.Deadline.Int32 > r.MinReadySeconds)
            .Explain(RolloutDeadlineFields.DeadlineField, r => r.Deadline.Describe(), Requirement.GreaterThan, r => r.MinReadySeconds, r => $"it must be greater than spec.minReadySeconds ({r.MinReadySeconds}), as Argo Rollouts requires");

        When(_ => policy.RequireAbort, () =>
            RuleFor(r => r.Abort)
                .Must(a => a.IsTrue)
                .Explain(RolloutDeadlineFields.AbortField, a => a.Describe(), Requirement.True, null, "it must be true: the policy requires a Rollout to abort when its deadline passes"));
    }
}

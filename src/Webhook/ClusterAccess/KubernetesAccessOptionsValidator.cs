using FluentValidation;

namespace DeadlineGuard.ClusterAccess;

public sealed class KubernetesAccessOptionsValidator : AbstractValidator<KubernetesAccessOptions>
{
    public KubernetesAccessOptionsValidator()
    {
        RuleFor(o => o.StartupTimeoutSeconds).InclusiveBetween(0, 3600)
            .WithMessage(o => $"must be between 0 and 3600 seconds, found {o.StartupTimeoutSeconds}");
    }
}

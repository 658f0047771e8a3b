using FluentValidation;

namespace DeadlineGuard.Reconciler;

public sealed class ReconcilerOptionsValidator : AbstractValidator<ReconcilerOptions>
{
    public ReconcilerOptionsValidator()
    {
        RuleFor(o => o.GraceSeconds).InclusiveBetween(0, 86_400).WithMessage(o => $"must be between 0 and 86400 seconds, found {o.GraceSeconds}");
        RuleFor(o => o.Namespaces).Must(n => n.All(Policy.NamespaceGlob.IsValid) && n.All(x => !x.Contains('*') && !x.Contains('?')))
            .WithMessage("must list namespace names (no globs)");
        RuleFor(o => o).Must(o => !o.LeaderElection || !string.IsNullOrEmpty(ReconcilerService.LeaseNamespace(o)))
            .OverridePropertyName(nameof(ReconcilerOptions.LeaseNamespace))
            .WithMessage("is needed for leader election: set POD_NAMESPACE (the chart does) or Reconciler:LeaseNamespace, or turn Reconciler:LeaderElection off for a single replica");
        RuleFor(o => o.LeaseDurationSeconds).GreaterThan(o => o.RenewDeadlineSeconds).WithMessage("must be greater than RenewDeadlineSeconds");
        RuleFor(o => o.RenewDeadlineSeconds).GreaterThan(o => o.RetryPeriodSeconds).WithMessage("must be greater than RetryPeriodSeconds");
        RuleFor(o => o.RetryPeriodSeconds).GreaterThan(0);
        RuleFor(o => o.WatchIdleTimeoutSeconds).InclusiveBetween(10, 3600);
        RuleFor(o => o.MaxBackoffSeconds).InclusiveBetween(1, 3600);
    }
}

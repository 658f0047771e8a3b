using FluentValidation;

namespace DeadlineGuard.Tls;

/// <summary>What <c>certs</c> needs before it touches the cluster, in the words of its flags.</summary>
public sealed class CertsOptionsValidator : AbstractValidator<CertsOptions>
{
    public CertsOptionsValidator()
    {
        RuleFor(o => o.Namespace).NotEmpty().WithMessage("--namespace (Certs:Namespace) is required");
        RuleFor(o => o.ServiceName).NotEmpty().WithMessage("--service (Certs:ServiceName) is required");
        RuleFor(o => o.SecretName).NotEmpty().WithMessage("--secret (Certs:SecretName) is required");
        RuleFor(o => o).Must(o => o.MutatingWebhook.Length > 0 || o.ValidatingWebhook.Length > 0)
            .WithMessage("name at least one webhook configuration: --mutating-webhook or --validating-webhook");
        RuleFor(o => o.CertValidityDays).InclusiveBetween(1, 3650).WithMessage(o => $"--cert-validity-days must be 1 to 3650, found {o.CertValidityDays}");
        RuleFor(o => o.CaValidityDays).GreaterThanOrEqualTo(o => o.CertValidityDays).WithMessage("--ca-validity-days must not be shorter than --cert-validity-days");
        RuleFor(o => o.RenewBeforeDays).GreaterThan(0).LessThan(o => o.CertValidityDays)
            .WithMessage("--renew-before-days must be above 0 and below --cert-validity-days");
    }
}

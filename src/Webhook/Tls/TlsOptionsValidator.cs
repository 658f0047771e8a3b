using FluentValidation;

namespace DeadlineGuard.Tls;

public sealed class TlsOptionsValidator : AbstractValidator<TlsOptions>
{
    public TlsOptionsValidator()
    {
        RuleFor(o => o.KeyFile).NotEmpty().When(o => !string.IsNullOrEmpty(o.CertFile))
            .WithMessage("must be set together with Tls:CertFile");
        RuleFor(o => o.CertFile).NotEmpty().When(o => !string.IsNullOrEmpty(o.KeyFile))
            .WithMessage("must be set together with Tls:KeyFile");
        RuleFor(o => o.CertFile).Must(File.Exists!).When(o => !string.IsNullOrEmpty(o.CertFile))
            .WithMessage(o => $"file {o.CertFile} does not exist");
        RuleFor(o => o.KeyFile).Must(File.Exists!).When(o => !string.IsNullOrEmpty(o.KeyFile))
            .WithMessage(o => $"file {o.KeyFile} does not exist");
        RuleFor(o => o.ReloadCheckSeconds).InclusiveBetween(1, 86_400)
            .WithMessage(o => $"must be between 1 and 86400 seconds, found {o.ReloadCheckSeconds}");
    }
}

using FluentValidation;

namespace DeadlineGuard.Tls;

/// <summary>Checks the Certs section when the reconciler is to renew certificates.</summary>
public sealed class CertsSettingsValidator : AbstractValidator<CertsOptions>
{
    public CertsSettingsValidator()
    {
        When(o => o.Enabled, () => Include(new CertsOptionsValidator()));
    }
}

using DeadlineGuard.Configuration;
using FluentValidation;

namespace DeadlineGuard.Admission;

public static class AdmissionServices
{
    public static IServiceCollection AddAdmission(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<AdmissionOptions, AdmissionOptionsValidator>(configuration, AdmissionOptions.Section);
        services.AddSingleton<AdmissionDecider>();
        services.AddSingleton<AdmissionHandler>();
        services.AddSingleton<DecisionLog>();
        return services;
    }
}

public sealed class AdmissionOptionsValidator : AbstractValidator<AdmissionOptions>
{
    public AdmissionOptionsValidator()
    {
        RuleFor(o => o.MaxRequestBytes).InclusiveBetween(64 * 1024, 64 * 1024 * 1024)
            .WithMessage(o => $"must be between 65536 and 67108864 bytes, found {o.MaxRequestBytes}");
        RuleFor(o => o.FailurePolicy).IsInEnum();
    }
}

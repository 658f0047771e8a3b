using DeadlineGuard.Configuration;
using Microsoft.Extensions.Options;

namespace DeadlineGuard.Admission;

public static class AdmissionServices
{
    public static IServiceCollection AddAdmission(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<AdmissionOptions, AdmissionOptionsValidator>(configuration, AdmissionOptions.Section);
        services.AddValidatedOptions<PitfallSettings, PitfallSettingsValidator>(configuration, PitfallSettings.Section);
        services.AddSingleton(sp => new AdmissionDecider(
            sp.GetService<TimeProvider>(),
            ReconcilerCoverage.From(sp.GetRequiredService<IOptions<PitfallSettings>>().Value)));
        services.AddSingleton<AdmissionHandler>();
        services.AddSingleton<ReviewBodyReader>();
        services.AddSingleton(provider => new FaultAnswer(provider.GetRequiredService<IOptions<AdmissionOptions>>().Value.FailurePolicy));
        services.AddSingleton<AdmissionTelemetry>();
        services.AddSingleton<DecisionLog>();
        services.AddSingleton(provider =>
        {
            var admission = provider.GetRequiredService<IOptions<AdmissionOptions>>().Value;
            return new BodyBudget(admission.MaxDecodingBytes, TimeSpan.FromMilliseconds(admission.DecodingWaitMilliseconds), provider.GetRequiredService<TimeProvider>());
        });
        return services;
    }
}

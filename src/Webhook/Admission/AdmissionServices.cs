using DeadlineGuard.Configuration;

namespace DeadlineGuard.Admission;

public static class AdmissionServices
{
    public static IServiceCollection AddAdmission(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<AdmissionOptions, AdmissionOptionsValidator>(configuration, AdmissionOptions.Section);
        services.AddValidatedOptions<PitfallSettings, PitfallSettingsValidator>(configuration, PitfallSettings.Section);
        services.AddSingleton(sp => new AdmissionDecider(
            sp.GetService<TimeProvider>(),
            ReconcilerCoverage.From(sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<PitfallSettings>>().Value)));
        services.AddSingleton<AdmissionHandler>();
        services.AddSingleton<DecisionLog>();
        services.AddSingleton(provider =>
        {
            var admission = provider.GetRequiredService<Microsoft.Extensions.Options.IOptions<AdmissionOptions>>().Value;
            return new BodyBudget(admission.MaxDecodingBytes, TimeSpan.FromMilliseconds(admission.DecodingWaitMilliseconds), provider.GetRequiredService<TimeProvider>());
        });
        return services;
    }
}

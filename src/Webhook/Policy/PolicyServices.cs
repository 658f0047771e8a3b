using DeadlineGuard.Configuration;

namespace DeadlineGuard.Policy;

public static class PolicyServices
{
    public static IServiceCollection AddPolicy(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<PolicyOptions, PolicyOptionsValidator>(configuration, PolicyOptions.Section);
        services.AddSingleton<PolicyStore>();
        services.AddHostedService<PolicyLoader>();
        return services;
    }
}

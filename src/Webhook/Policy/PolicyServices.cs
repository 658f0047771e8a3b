using DeadlineGuard.Configuration;
using DeadlineGuard.Files;

namespace DeadlineGuard.Policy;

public static class PolicyServices
{
    public static IServiceCollection AddPolicy(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<PolicyOptions, PolicyOptionsValidator>(configuration, PolicyOptions.Section);
        services.AddWatchedFile<PolicyStore>();
        return services;
    }
}

using DeadlineGuard.Hosting;
using FluentValidation;

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

public sealed class PolicyOptionsValidator : AbstractValidator<PolicyOptions>
{
    public PolicyOptionsValidator()
    {
        // Only existence here; what the path is (a directory, a FIFO, a device) and holds is the policy reader's to report.
        RuleFor(o => o.File).Must(path => File.Exists(path) || Directory.Exists(path)).When(o => !string.IsNullOrWhiteSpace(o.File))
            .WithMessage(o => $"file {o.File} does not exist");
        RuleFor(o => o.ReloadCheckSeconds).InclusiveBetween(1, 86_400)
            .WithMessage(o => $"must be between 1 and 86400 seconds, found {o.ReloadCheckSeconds}");
    }
}

/// <summary>Loads the policy before the server listens (a bad file fails start-up) and then watches it.</summary>
public sealed class PolicyLoader(PolicyStore store) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        store.LoadInitial();
        store.StartWatching();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

using FluentValidation;
using Microsoft.Extensions.Options;

namespace DeadlineGuard.Configuration;

public static class OptionsRegistration
{
    /// <summary>Binds a section, validates it with <typeparamref name="TValidator"/> and checks it at start.</summary>
    public static IServiceCollection AddValidatedOptions<TOptions, TValidator>(this IServiceCollection services, IConfiguration configuration, string section)
        where TOptions : class
        where TValidator : class, IValidator<TOptions>, new()
    {
        services.AddOptions<TOptions>().Bind(configuration.GetSection(section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<TOptions>>(new FluentOptionsValidation<TOptions>(section, new TValidator()));
        return services;
    }
}

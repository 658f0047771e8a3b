using FluentValidation;
using Microsoft.Extensions.Options;

namespace DeadlineGuard.Configuration;

/// <summary>Runs a FluentValidation validator over bound options, so a bad setting stops the program at start with every problem named.</summary>
public sealed class FluentOptionsValidation<TOptions>(string section, IValidator<TOptions> validator) : IValidateOptions<TOptions>
    where TOptions : class
{
    public ValidateOptionsResult Validate(string? name, TOptions options)
    {
        var result = validator.Validate(options);
        return result.IsValid
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(result.Errors.Select(e => $"{section}:{e.PropertyName}: {e.ErrorMessage}"));
    }
}

using FluentValidation;

namespace DeadlineGuard.Hosting;

public sealed class ServerLimitsOptionsValidator : AbstractValidator<ServerLimitsOptions>
{
    public ServerLimitsOptionsValidator()
    {
        RuleFor(o => o.MaxConnections).InclusiveBetween(1, 100_000)
            .WithMessage(o => $"must be between 1 and 100000, found {o.MaxConnections}");
        RuleFor(o => o.RequestHeadersTimeoutSeconds).InclusiveBetween(1, 300)
            .WithMessage(o => $"must be between 1 and 300 seconds, found {o.RequestHeadersTimeoutSeconds}");
        RuleFor(o => o.KeepAliveTimeoutSeconds).InclusiveBetween(1, 3600)
            .WithMessage(o => $"must be between 1 and 3600 seconds, found {o.KeepAliveTimeoutSeconds}");
    }
}

using FluentValidation;

namespace DeadlineGuard.Admission;

public sealed class AdmissionOptionsValidator : AbstractValidator<AdmissionOptions>
{
    public AdmissionOptionsValidator()
    {
        RuleFor(o => o.MaxRequestBytes).InclusiveBetween(64 * 1024, 64 * 1024 * 1024)
            .WithMessage(o => $"must be between 65536 and 67108864 bytes, found {o.MaxRequestBytes}");
        RuleFor(o => o.FailurePolicy).IsInEnum();
        RuleFor(o => o.MaxDecodingBytes).InclusiveBetween(64 * 1024, 1024L * 1024 * 1024)
            .WithMessage(o => $"must be between 65536 and 1073741824 bytes, found {o.MaxDecodingBytes}");
        RuleFor(o => o.DecodingWaitMilliseconds).InclusiveBetween(0, 10_000)
            .WithMessage(o => $"must be between 0 and 10000 milliseconds (the API server's longest webhook timeout is 30 s, its default 10 s), found {o.DecodingWaitMilliseconds}");
    }
}

using FluentValidation;

namespace DeadlineGuard.Policy;

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

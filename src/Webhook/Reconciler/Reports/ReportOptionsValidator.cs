using FluentValidation;

namespace DeadlineGuard.Reconciler.Reports;

public sealed class ReportOptionsValidator : AbstractValidator<ReportOptions>
{
    public ReportOptionsValidator()
    {
        RuleFor(o => o.Format).IsInEnum().WithMessage("must be PolicyReport or OpenReports");
        RuleFor(o => o.IntervalSeconds).InclusiveBetween(1, 3600);
        RuleFor(o => o.RecheckMinutes).InclusiveBetween(1, 1440);
        RuleFor(o => o.MaxReportBytes).InclusiveBetween(16 * 1024, 1536 * 1024);
    }
}

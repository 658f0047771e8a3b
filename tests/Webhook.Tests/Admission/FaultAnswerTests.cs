using DeadlineGuard.Admission;

namespace DeadlineGuard.Tests.Admission;

/// <summary>
/// DESIGN: an internal fault is answered, never a 500. /mutate always fails open (untouched, with a warning);
/// /validate follows Admission:FailurePolicy.
/// </summary>
public sealed class FaultAnswerTests
{
    [Theory]
    [InlineData(AdmissionEndpoint.Mutate, FailurePolicy.Fail, true)]
    [InlineData(AdmissionEndpoint.Mutate, FailurePolicy.Ignore, true)]
    [InlineData(AdmissionEndpoint.Validate, FailurePolicy.Fail, false)]
    [InlineData(AdmissionEndpoint.Validate, FailurePolicy.Ignore, true)]
    public void A_fault_is_answered_per_the_endpoint_and_the_failure_policy(AdmissionEndpoint endpoint, FailurePolicy policy, bool allowed)
    {
        var answer = new FaultAnswer(policy).For(endpoint);

        answer.Outcome.ShouldBe(Outcome.Error);
        answer.Allowed.ShouldBe(allowed);
        answer.Patch.ShouldBeEmpty();
        answer.Violations.ShouldBeEmpty();
        if (allowed)
        {
            answer.Warnings.ShouldBe([FaultAnswer.Message + "; allowed"]);
            answer.Message.ShouldBeNull();
        }
        else
        {
            answer.Message.ShouldBe(FaultAnswer.Message);
            answer.Warnings.ShouldBeEmpty();
        }
    }

    [Fact]
    public void The_warning_fits_what_Kubernetes_shows()
    {
        var warning = new FaultAnswer(FailurePolicy.Ignore).For(AdmissionEndpoint.Validate).Warnings.ShouldHaveSingleItem();

        warning.Length.ShouldBeLessThanOrEqualTo(AdmissionDecider.MaxWarningLength);
    }
}

using DeadlineGuard.Admission;

namespace DeadlineGuard.Tests.Admission;

/// <summary>
/// DESIGN §3: the <c>decision</c> label of the admission metrics and the decision log's Decision field; the offline
/// review prints the same word as its verdict.
/// </summary>
public sealed class OutcomeLabelTests
{
    [Theory]
    [InlineData(Outcome.Skipped, "skipped")]
    [InlineData(Outcome.Exempt, "exempt")]
    [InlineData(Outcome.Allowed, "allowed")]
    [InlineData(Outcome.Patched, "patched")]
    [InlineData(Outcome.Warned, "warned")]
    [InlineData(Outcome.Audited, "audited")]
    [InlineData(Outcome.Denied, "denied")]
    [InlineData(Outcome.Error, "error")]
    public void Each_outcome_has_its_label(Outcome outcome, string label) => OutcomeLabel.Of(outcome).ShouldBe(label);

    [Fact]
    public void No_two_outcomes_share_a_label()
    {
        // A new Outcome without its own arm would fall through to "error" and be counted as a fault.
        var labels = Enum.GetValues<Outcome>().Select(OutcomeLabel.Of).ToList();

        labels.Distinct(StringComparer.Ordinal).Count().ShouldBe(labels.Count, string.Join(", ", labels));
    }
}

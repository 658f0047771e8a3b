namespace DeadlineGuard.Admission;

/// <summary>
/// What the webhook answers when deciding a review fails inside it (<c>Admission:FailurePolicy</c>): /mutate always
/// allows, untouched, with a warning (a missing default must not block a rollout); /validate refuses under
/// <see cref="FailurePolicy.Fail"/> and allows with the warning under <see cref="FailurePolicy.Ignore"/>. Both
/// answers are built once: a fault costs no more than the log line that reports it.
/// </summary>
public sealed class FaultAnswer
{
    public const string Message = "deadline-guard could not evaluate this Rollout (internal error); see the webhook's log";

    private static readonly AdmissionDecision Allowed =
        AdmissionDecision.Allow(Outcome.Error, [AdmissionDecider.Truncate(Message + "; allowed")]);

    private static readonly AdmissionDecision Refused = AdmissionDecision.Deny([], Message, []) with { Outcome = Outcome.Error };

    private readonly FailurePolicy _policy;

    public FaultAnswer(FailurePolicy policy) => _policy = policy;

    public AdmissionDecision For(AdmissionEndpoint endpoint) =>
        endpoint == AdmissionEndpoint.Mutate || _policy == FailurePolicy.Ignore ? Allowed : Refused;
}

namespace DeadlineGuard.Admission;

/// <summary>
/// The one word for each <see cref="Outcome"/>: the <c>decision</c> label of the admission metrics, the Decision field
/// of the decision log, and the verdict of the offline <c>review</c> command (DESIGN §3).
/// </summary>
public static class OutcomeLabel
{
    public static string Of(Outcome outcome) => outcome switch
    {
        Outcome.Skipped => "skipped",
        Outcome.Exempt => "exempt",
        Outcome.Allowed => "allowed",
        Outcome.Patched => "patched",
        Outcome.Warned => "warned",
        Outcome.Audited => "audited",
        Outcome.Denied => "denied",
        _ => "error",
    };
}

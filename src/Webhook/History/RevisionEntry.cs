namespace DeadlineGuard.History;

/// <summary>
/// One revision the webhook saw start (DESIGN.md §4): who started it, when, how, and the deadline in
/// force for it after mutation, which the reconciler applies even if the policy changes later.
/// <see cref="Seq"/> is 64-bit: it cannot overflow by counting (see <c>RevisionRecorder</c> for a forged maximum).
/// </summary>
public sealed record RevisionEntry(
    long Seq,
    DateTimeOffset At,
    string By,
    string Op,
    string Trigger,
    string Fingerprint,
    IReadOnlyList<string> Images,
    int? DeadlineSeconds,
    bool Abort)
{
    public const string Create = "create";
    public const string Template = "template";
    public const string Workload = "workload";
}

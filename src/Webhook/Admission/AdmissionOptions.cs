namespace DeadlineGuard.Admission;

/// <summary>Configuration section "Admission".</summary>
public sealed class AdmissionOptions
{
    public const string Section = "Admission";

    /// <summary>
    /// Largest AdmissionReview body accepted, in bytes. etcd caps an object at 1.5 MiB and a review of an
    /// UPDATE carries two copies, so the default leaves room for both.
    /// </summary>
    public int MaxRequestBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>
    /// Bytes of request bodies read and decoded at once (see <see cref="BodyBudget"/>). The default, four
    /// reviews of the largest size, keeps the webhook's peak well inside the chart's 256 MiB limit (docs/benchmarks.md).
    /// </summary>
    public long MaxDecodingBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>How long a body waits for room in <see cref="MaxDecodingBytes"/> before it is answered 429.</summary>
    public int DecodingWaitMilliseconds { get; set; } = 1000;

    public FailurePolicy FailurePolicy { get; set; } = FailurePolicy.Fail;
}

namespace DeadlineGuard.Admission;

/// <summary>What /validate answers when the webhook itself fails (the mutating webhook always fails open).</summary>
public enum FailurePolicy
{
    /// <summary>Refuse the request, as the API server's failurePolicy Fail would.</summary>
    Fail,

    /// <summary>Allow the request with a warning.</summary>
    Ignore,
}

/// <summary>Configuration section "Admission".</summary>
public sealed class AdmissionOptions
{
    public const string Section = "Admission";

    /// <summary>
    /// Largest AdmissionReview body accepted, in bytes. etcd caps an object at 1.5 MiB and a review of an
    /// UPDATE carries two copies, so the default leaves room for both.
    /// </summary>
    public int MaxRequestBytes { get; set; } = 4 * 1024 * 1024;

    public FailurePolicy FailurePolicy { get; set; } = FailurePolicy.Fail;
}

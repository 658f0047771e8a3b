namespace DeadlineGuard.Admission;

/// <summary>What /validate answers when the webhook itself fails (the mutating webhook always fails open).</summary>
public enum FailurePolicy
{
    /// <summary>Refuse the request, as the API server's failurePolicy Fail would.</summary>
    Fail,

    /// <summary>Allow the request with a warning.</summary>
    Ignore,
}

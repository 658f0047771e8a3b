namespace DeadlineGuard.Admission;

/// <summary>Which of the two webhooks the API server called.</summary>
public enum AdmissionEndpoint
{
    Mutate,
    Validate,
}

namespace DeadlineGuard.Admission;

public enum AdmissionEndpoint
{
    Mutate,
    Validate,
}

namespace DeadlineGuard.Admission;

/// <summary>Either a request, or a one-line reason why the body is not a usable AdmissionReview (answered HTTP 400).</summary>
public sealed record DecodeResult(AdmissionRequest? Request, string? Error)
{
    public static DecodeResult Invalid(string reason) => new(null, reason);
}

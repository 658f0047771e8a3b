namespace DeadlineGuard.Admission;

/// <summary>POST /mutate and POST /validate: decode, decide, encode. The decisions know nothing of HTTP.</summary>
public static partial class AdmissionApi
{
    public static IEndpointRouteBuilder MapAdmission(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/mutate", (HttpContext context, AdmissionHandler handler) => handler.HandleAsync(context, AdmissionEndpoint.Mutate));
        routes.MapPost("/validate", (HttpContext context, AdmissionHandler handler) => handler.HandleAsync(context, AdmissionEndpoint.Validate));
        return routes;
    }
}

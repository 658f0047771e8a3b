namespace DeadlineGuard.Admission;

/// <summary>POST /mutate and POST /validate, answered by <see cref="AdmissionHandler"/>.</summary>
public static class AdmissionApi
{
    public static IEndpointRouteBuilder MapAdmission(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/mutate", (HttpContext context, AdmissionHandler handler) => handler.HandleAsync(context, AdmissionEndpoint.Mutate));
        routes.MapPost("/validate", (HttpContext context, AdmissionHandler handler) => handler.HandleAsync(context, AdmissionEndpoint.Validate));
        return routes;
    }
}

using Prometheus;
using Serilog;
using Serilog.Events;

namespace DeadlineGuard.Observability;

public static class ObservabilityServices
{
    /// <summary>Serilog compact JSON on stdout (levels from the "Serilog" section), Prometheus metrics, readiness.</summary>
    /// <param name="reportedByTheCommand">events the command reports itself (a bad configuration at start, one line on stderr), kept out of the log.</param>
    public static IServiceCollection AddObservability(this IServiceCollection services, IConfiguration configuration, Func<LogEvent, bool> reportedByTheCommand)
    {
        // preserveStaticLogger: this host's logger is its own. Through the static Log.Logger, a second host in
        // the process would take over this one's events, and stopping it would silence them (Log.CloseAndFlush).
        services.AddSerilog(
            (_, logger) => logger
                .ReadFrom.Configuration(configuration)
                .Enrich.FromLogContext()
                .Filter.ByExcluding(reportedByTheCommand)
                // Formatting and writing happen in batches off the request path: a review does not wait for stdout
                // (see CompactJsonConsoleSink for the bound and why it replaced the async wrapper).
                .WriteTo.Sink(new CompactJsonConsoleSink()),
            preserveStaticLogger: true);
        services.AddSingleton(_ => new WebhookMetrics(Metrics.NewCustomRegistry()));
        services.AddSingleton<Readiness>();
        services.AddSingleton(TimeProvider.System);
        return services;
    }

    /// <summary>GET /healthz (the process answers), GET /readyz (certificate and policy loaded, not stopping), GET /metrics.</summary>
    public static IEndpointRouteBuilder MapOperations(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/healthz", () => TypedResults.Text("ok\n"));
        routes.MapGet("/readyz", (Readiness readiness) => readiness.IsReady
            ? Results.Text("ready\n")
            : Results.Text(readiness.Describe() + "\n", statusCode: StatusCodes.Status503ServiceUnavailable));
        var metrics = routes.ServiceProvider.GetRequiredService<WebhookMetrics>();
        routes.MapMetrics("/metrics", metrics.Registry);
        return routes;
    }
}

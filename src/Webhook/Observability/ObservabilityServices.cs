using Prometheus;
using Serilog;
using Serilog.Configuration;

namespace DeadlineGuard.Observability;

public static class ObservabilityServices
{
    /// <summary>Serilog compact JSON on stdout (levels from the "Serilog" section), Prometheus metrics, readiness.</summary>
    public static IServiceCollection AddObservability(this IServiceCollection services, IConfiguration configuration)
    {
        // preserveStaticLogger: this host's logger is its own. Through the static Log.Logger, a second host in
        // the process would take over this one's events, and stopping it would silence them (Log.CloseAndFlush).
        services.AddSerilog(
            (_, logger) => logger
                .ReadFrom.Configuration(configuration)
                .Enrich.FromLogContext()
                // Formatting and writing happen in batches off the request path: a review does not wait for stdout.
                // Up to 100,000 events wait while stdout is stalled; beyond that they are dropped rather than stall
                // admission or exhaust memory.
                .WriteTo.Sink(
                    new CompactJsonConsoleSink(),
                    new BatchingOptions { BatchSizeLimit = 1000, BufferingTimeLimit = TimeSpan.FromMilliseconds(100), EagerlyEmitFirstEvent = true, QueueLimit = 100_000 }),
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

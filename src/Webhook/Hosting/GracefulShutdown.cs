using DeadlineGuard.Observability;
using Microsoft.AspNetCore.Connections.Features;

namespace DeadlineGuard.Hosting;

/// <summary>
/// While the process drains after SIGTERM (<see cref="ConnectionDrain"/>), HTTP/1.1 answers carry "Connection: close"
/// so that clients (the API server reuses keep-alive connections, kubernetes#127335) move to another replica, and an
/// HTTP/2 connection is asked to close after the answer (GOAWAY). In-flight reviews finish within
/// Shutdown:TimeoutSeconds, the drain included.
/// </summary>
public static class GracefulShutdown
{
    public static WebApplication UseConnectionCloseWhileStopping(this WebApplication app)
    {
        var stopping = app.Lifetime.ApplicationStopping;
        var drain = app.Services.GetRequiredService<ConnectionDrain>();
        app.Use((context, next) =>
        {
            if (stopping.IsCancellationRequested || drain.IsDraining)
            {
                if (context.Request.Protocol == "HTTP/1.1")
                {
                    context.Response.Headers.Connection = "close";
                }
                else
                {
                    context.Features.Get<IConnectionLifetimeNotificationFeature>()?.RequestClose();
                }
            }

            return next(context);
        });
        return app;
    }

    /// <summary>
    /// How long in-flight requests get after SIGTERM (Shutdown:TimeoutSeconds, default 20 s, inside the pod's 30 s grace
    /// period), and the drain before Kestrel stops (Shutdown:DrainSeconds, default 5 s, within the former).
    /// </summary>
    public static IServiceCollection AddShutdownTimeout(this IServiceCollection services, IConfiguration configuration)
    {
        var seconds = Math.Clamp(configuration.GetValue("Shutdown:TimeoutSeconds", 20), 1, 300);
        services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(seconds));
        return services;
    }

    /// <summary>The drain before Kestrel stops (<see cref="ConnectionDrain"/>); for the admission server.</summary>
    public static IServiceCollection AddConnectionDrain(this IServiceCollection services, IConfiguration configuration)
    {
        var seconds = Math.Clamp(configuration.GetValue("Shutdown:TimeoutSeconds", 20), 1, 300);
        var drain = Math.Clamp(configuration.GetValue("Shutdown:DrainSeconds", 5), 0, seconds);
        services.AddSingleton(provider => new ConnectionDrain(
            TimeSpan.FromSeconds(drain),
            provider.GetRequiredService<TimeProvider>(),
            provider.GetRequiredService<Readiness>(),
            provider.GetRequiredService<ILogger<ConnectionDrain>>()));
        services.AddHostedService(provider => provider.GetRequiredService<ConnectionDrain>());
        return services;
    }
}

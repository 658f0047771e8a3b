namespace DeadlineGuard.Hosting;

/// <summary>
/// While the process drains after SIGTERM, HTTP/1.1 answers carry "Connection: close" so that clients (the
/// API server reuses keep-alive connections, kubernetes#127335) move to another replica; HTTP/2 connections
/// get GOAWAY from Kestrel when it stops. In-flight reviews finish within Shutdown:TimeoutSeconds.
/// </summary>
public static class GracefulShutdown
{
    public static WebApplication UseConnectionCloseWhileStopping(this WebApplication app)
    {
        var stopping = app.Lifetime.ApplicationStopping;
        app.Use((context, next) =>
        {
            if (stopping.IsCancellationRequested && context.Request.Protocol == "HTTP/1.1")
            {
                context.Response.Headers.Connection = "close";
            }

            return next(context);
        });
        return app;
    }

    /// <summary>How long in-flight requests get after SIGTERM (default 20 s, inside the pod's 30 s grace period).</summary>
    public static IServiceCollection AddShutdownTimeout(this IServiceCollection services, IConfiguration configuration)
    {
        var seconds = configuration.GetValue("Shutdown:TimeoutSeconds", 20);
        services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(Math.Clamp(seconds, 1, 300)));
        return services;
    }
}

using DeadlineGuard.Admission;
using DeadlineGuard.Observability;
using DeadlineGuard.Policy;
using DeadlineGuard.Tls;

namespace DeadlineGuard.Hosting;

/// <summary>Builds the HTTPS admission server: services by concern, then endpoints.</summary>
public static class WebhookApp
{
    public const string DefaultUrl = "https://localhost:8443";

    public static WebApplication Build(string[] args)
    {
        var builder = ServerBuilder.Create(args, DefaultUrl);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.ConfigureWebhookKestrel(kestrel.ApplicationServices.GetService<ConnectionDrain>() is { } drain ? drain.Track : null);
            kestrel.ApplyServerLimits();
        });
        builder.Services
            .AddObservability(builder.Configuration, StartupFailures.IsReportedByTheCommand)
            .AddPolicy(builder.Configuration)
            .AddServingCertificate(builder.Configuration)
            .AddAdmission(builder.Configuration)
            .AddServerLimits(builder.Configuration)
            .AddShutdownTimeout(builder.Configuration)
            .AddConnectionDrain(builder.Configuration);

        var app = builder.Build();
        var readiness = app.Services.GetRequiredService<Readiness>();
        app.Lifetime.ApplicationStopping.Register(readiness.Stopping);
        app.UseConnectionCloseWhileStopping();
        app.MapAdmission();
        app.MapOperations();
        return app;
    }
}

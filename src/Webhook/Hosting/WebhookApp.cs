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
        // The content root is the program's folder, so appsettings.json applies whatever the working directory.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = CommandArguments.Normalize(args),
            ContentRootPath = AppContext.BaseDirectory,
        });
        if (string.IsNullOrEmpty(builder.Configuration[WebHostDefaults.ServerUrlsKey]))
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }
        else if (ListenAddresses.Problems(builder.Configuration[WebHostDefaults.ServerUrlsKey]) is { Count: > 0 } problems)
        {
            throw new Microsoft.Extensions.Options.OptionsValidationException(WebHostDefaults.ServerUrlsKey, typeof(string), problems);
        }

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

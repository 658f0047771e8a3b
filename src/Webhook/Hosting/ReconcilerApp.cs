using DeadlineGuard.Observability;
using DeadlineGuard.Policy;
using DeadlineGuard.Reconciler;
using Microsoft.AspNetCore.Hosting;

namespace DeadlineGuard.Hosting;

/// <summary>Builds the companion reconciler: no admission endpoints, only /healthz, /readyz and /metrics over HTTP.</summary>
public static class ReconcilerApp
{
    public const string DefaultUrl = "http://localhost:8081";

    public static WebApplication Build(string[] args, Action<IServiceCollection>? overrides = null)
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

        builder.WebHost.ConfigureKestrel(kestrel => kestrel.AddServerHeader = false);
        builder.Services
            .AddObservability(builder.Configuration)
            .AddPolicy(builder.Configuration)
            .AddReconciler(builder.Configuration)
            .AddShutdownTimeout(builder.Configuration);
        overrides?.Invoke(builder.Services);

        var app = builder.Build();
        var readiness = app.Services.GetRequiredService<Readiness>();
        app.Lifetime.ApplicationStopping.Register(readiness.Stopping);
        app.MapOperations();
        return app;
    }
}

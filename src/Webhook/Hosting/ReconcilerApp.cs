using DeadlineGuard.ClusterAccess;
using DeadlineGuard.Observability;
using DeadlineGuard.Policy;
using DeadlineGuard.Reconciler;
using DeadlineGuard.Tls;

namespace DeadlineGuard.Hosting;

/// <summary>Builds the companion reconciler: no admission endpoints, only /healthz, /readyz and /metrics over HTTP.</summary>
public static class ReconcilerApp
{
    public const string DefaultUrl = "http://localhost:8081";

    public static WebApplication Build(string[] args, Action<IServiceCollection>? overrides = null)
    {
        var builder = ServerBuilder.Create(args, DefaultUrl);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.AddServerHeader = false);
        builder.Services
            .AddObservability(builder.Configuration, StartupFailures.IsReportedByTheCommand)
            .AddPolicy(builder.Configuration)
            .AddReconciler(builder.Configuration)
            .AddCertificateRenewal(builder.Configuration)
            .AddShutdownTimeout(builder.Configuration);
        overrides?.Invoke(builder.Services);

        var app = builder.Build();
        var readiness = app.Services.GetRequiredService<Readiness>();
        app.Lifetime.ApplicationStopping.Register(readiness.Stopping);
        app.MapOperations();
        return app;
    }

    /// <summary>
    /// Before the host starts: every setting is checked first (all problems at once), then the API server must answer
    /// (<see cref="KubernetesStartupCheck"/>), so that a missing or unreachable cluster is one line and exit 2.
    /// </summary>
    public static async Task CheckClusterAsync(WebApplication app, CancellationToken cancellationToken)
    {
        app.Services.GetService<Microsoft.Extensions.Options.IStartupValidator>()?.Validate();
        await app.Services.GetRequiredService<KubernetesStartupCheck>().RunAsync(cancellationToken);
    }
}

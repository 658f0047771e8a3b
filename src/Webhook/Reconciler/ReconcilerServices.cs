using DeadlineGuard.ClusterAccess;
using DeadlineGuard.Configuration;
using DeadlineGuard.Leadership;
using DeadlineGuard.Observability;
using DeadlineGuard.Policy;
using DeadlineGuard.Reconciler.Reports;
using k8s;
using Microsoft.Extensions.Options;

namespace DeadlineGuard.Reconciler;

public static class ReconcilerServices
{
    /// <summary>The reconciler and its Kubernetes client (in-cluster, else KUBECONFIG / ~/.kube/config).</summary>
    public static IServiceCollection AddReconciler(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<ReconcilerOptions, ReconcilerOptionsValidator>(configuration, ReconcilerOptions.Section);
        services.AddKubernetesAccess(configuration, config => new ClusterClient(config));
        services.AddSingleton(sp => new ReconcilerMetrics(sp.GetRequiredService<WebhookMetrics>().Registry));
        services.AddSingleton(sp => new DeadlineActions(
            sp.GetRequiredService<IKubernetes>(),
            sp.GetRequiredService<IOptions<ReconcilerOptions>>().Value,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<DeadlineActions>>()));
        services.AddSingleton<IRolloutInformerFactory>(sp => new RolloutInformerFactory(
            sp.GetRequiredService<IKubernetes>(),
            sp.GetRequiredService<IOptions<ReconcilerOptions>>().Value,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ReconcilerMetrics>(),
            sp.GetRequiredService<ILoggerFactory>()));
        var reports = configuration.GetSection(ReportOptions.Section).Get<ReportOptions>() ?? new ReportOptions();
        services.AddValidatedOptions<ReportOptions, ReportOptionsValidator>(configuration, ReportOptions.Section);
        if (reports.Enabled)
        {
            // The policy reports: the leader keeps one per namespace, fed by the reconciler's verdicts.
            services.AddSingleton(sp => new ReportKeeper(
                new ReportApi(sp.GetRequiredService<IKubernetes>(), ReportResource.Of(sp.GetRequiredService<IOptions<ReportOptions>>().Value.Format)),
                sp.GetRequiredService<PolicyStore>(),
                sp.GetRequiredService<IOptions<ReportOptions>>().Value,
                sp.GetRequiredService<IOptions<ReconcilerOptions>>().Value,
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILogger<ReportKeeper>>()));
            services.AddSingleton<IVerdictObserver>(sp => sp.GetRequiredService<ReportKeeper>());
            services.AddSingleton<ILeaderWork>(sp => sp.GetRequiredService<ReportKeeper>());
        }

        services.AddSingleton<Func<DeadlineReconciler>>(sp => () => new DeadlineReconciler(
            sp.GetRequiredService<IRolloutInformerFactory>(),
            sp.GetRequiredService<PolicyStore>(),
            sp.GetRequiredService<IOptions<ReconcilerOptions>>().Value,
            sp.GetRequiredService<DeadlineActions>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ReconcilerMetrics>(),
            sp.GetRequiredService<ILogger<DeadlineReconciler>>(),
            sp.GetService<IVerdictObserver>()));
        services.AddHostedService<ReconcilerService>();
        return services;
    }
}

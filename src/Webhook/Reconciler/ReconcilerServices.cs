using DeadlineGuard.ClusterAccess;
using DeadlineGuard.Configuration;
using DeadlineGuard.Leadership;
using DeadlineGuard.Observability;
using DeadlineGuard.Policy;
using DeadlineGuard.Reconciler.Reports;
using FluentValidation;
using k8s;
using Microsoft.Extensions.Options;

namespace DeadlineGuard.Reconciler;

public static class ReconcilerServices
{
    /// <summary>The reconciler and its Kubernetes client (in-cluster, else KUBECONFIG / ~/.kube/config).</summary>
    public static IServiceCollection AddReconciler(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<ReconcilerOptions, ReconcilerOptionsValidator>(configuration, ReconcilerOptions.Section);
        services.AddValidatedOptions<Tls.CertsOptions, CertsSettingsValidator>(configuration, Tls.CertsOptions.Section);
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

public sealed class ReconcilerOptionsValidator : AbstractValidator<ReconcilerOptions>
{
    public ReconcilerOptionsValidator()
    {
        RuleFor(o => o.GraceSeconds).InclusiveBetween(0, 86_400).WithMessage(o => $"must be between 0 and 86400 seconds, found {o.GraceSeconds}");
        RuleFor(o => o.Namespaces).Must(n => n.All(Policy.NamespaceGlob.IsValid) && n.All(x => !x.Contains('*') && !x.Contains('?')))
            .WithMessage("must list namespace names (no globs)");
        RuleFor(o => o).Must(o => !o.LeaderElection || !string.IsNullOrEmpty(ReconcilerService.LeaseNamespace(o)))
            .OverridePropertyName(nameof(ReconcilerOptions.LeaseNamespace))
            .WithMessage("is needed for leader election: set POD_NAMESPACE (the chart does) or Reconciler:LeaseNamespace, or turn Reconciler:LeaderElection off for a single replica");
        RuleFor(o => o.LeaseDurationSeconds).GreaterThan(o => o.RenewDeadlineSeconds).WithMessage("must be greater than RenewDeadlineSeconds");
        RuleFor(o => o.RenewDeadlineSeconds).GreaterThan(o => o.RetryPeriodSeconds).WithMessage("must be greater than RetryPeriodSeconds");
        RuleFor(o => o.RetryPeriodSeconds).GreaterThan(0);
        RuleFor(o => o.WatchIdleTimeoutSeconds).InclusiveBetween(10, 3600);
        RuleFor(o => o.MaxBackoffSeconds).InclusiveBetween(1, 3600);
    }
}

/// <summary>Checks the Certs section when the reconciler is to renew certificates.</summary>
public sealed class CertsSettingsValidator : AbstractValidator<Tls.CertsOptions>
{
    public CertsSettingsValidator()
    {
        When(o => o.Enabled, () => Include(new Cli.CertsOptionsValidator()));
    }
}

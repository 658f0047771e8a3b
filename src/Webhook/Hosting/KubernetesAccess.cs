using k8s;
using YamlDotNet.Core;

namespace DeadlineGuard.Hosting;

/// <summary>
/// The Kubernetes client's configuration, from the same places and in the same order as
/// <see cref="KubernetesClientConfiguration.BuildDefaultConfig"/> (KUBECONFIG, ~/.kube/config, the pod's service
/// account) but without its last resort, a client for http://localhost:8080 that fails on every call: with none of
/// the three, start-up stops with a message naming what is missing.
/// </summary>
public static class KubernetesAccess
{
    public const string ServiceAccountTokenPath = "/var/run/secrets/kubernetes.io/serviceaccount/token";

    /// <summary>Where the configuration comes from.</summary>
    public enum Source
    {
        None,
        KubeconfigVariable,
        KubeconfigFile,
        InCluster,
    }

    /// <summary>The first source that is there; an empty KUBECONFIG counts as unset, as kubectl treats it.</summary>
    public static Source Choose(string? kubeconfigVariable, bool defaultFileExists, bool inCluster) =>
        !string.IsNullOrEmpty(kubeconfigVariable) ? Source.KubeconfigVariable
        : defaultFileExists ? Source.KubeconfigFile
        : inCluster ? Source.InCluster
        : Source.None;

    /// <summary>Loads the configuration; <see cref="KubernetesAccessException"/> with a one-line reason when there is none or it is unusable.</summary>
    public static KubernetesClientConfiguration LoadConfiguration()
    {
        var variable = Environment.GetEnvironmentVariable("KUBECONFIG");
        var defaultFile = KubernetesClientConfiguration.KubeConfigDefaultLocation;
        var source = Choose(variable, File.Exists(defaultFile), KubernetesClientConfiguration.IsInCluster());
        var described = source switch
        {
            Source.KubeconfigVariable => $"the kubeconfig {variable} (KUBECONFIG)",
            Source.KubeconfigFile => $"the kubeconfig {defaultFile}",
            Source.InCluster => "the pod's service account",
            _ => throw new KubernetesAccessException(
                $"no Kubernetes configuration: no in-cluster service account ({WhyNotInCluster()}), KUBECONFIG is unset and {defaultFile} does not exist; " +
                "run it in a pod with a service account, or set KUBECONFIG to a kubeconfig file"),
        };

        try
        {
            return source switch
            {
                Source.KubeconfigFile => KubernetesClientConfiguration.BuildConfigFromConfigFile(defaultFile),
                Source.InCluster => KubernetesClientConfiguration.InClusterConfig(),
                _ => KubernetesClientConfiguration.BuildDefaultConfig(),
            };
        }
#pragma warning disable CA1031 // whatever the client library throws while reading the user's file is a configuration problem, reported in one line
        catch (Exception e) when (e is not OperationCanceledException)
#pragma warning restore CA1031
        {
            throw new KubernetesAccessException($"{described} cannot be used: {Reason(e)}", e);
        }
    }

    /// <summary>
    /// The client (<see cref="IKubernetes"/>) made from <see cref="LoadConfiguration"/> when first needed, and the start-up check.
    /// A test can replace the client by registering its own <see cref="IKubernetes"/> afterwards.
    /// </summary>
    public static IServiceCollection AddKubernetesAccess(
        this IServiceCollection services, IConfiguration configuration, Func<KubernetesClientConfiguration, IKubernetes>? create = null)
    {
        services.AddValidatedOptions<KubernetesAccessOptions, KubernetesAccessOptionsValidator>(configuration, KubernetesAccessOptions.Section);
        services.AddSingleton<IKubernetes>(_ => create is null ? new Kubernetes(LoadConfiguration()) : create(LoadConfiguration()));
        services.AddSingleton<KubernetesStartupCheck>();
        return services;
    }

    /// <summary>The innermost useful message of a client library failure, with the line for YAML errors.</summary>
    public static string Reason(Exception e) => e switch
    {
        YamlException { InnerException: { } inner } y => $"{inner.Message} (line {y.Start.Line}, column {y.Start.Column})",
        YamlException y => $"{y.Message} (line {y.Start.Line}, column {y.Start.Column})",
        { InnerException: { } inner } when e.Message.Length == 0 => Reason(inner),
        _ => e.Message,
    };

    private static string WhyNotInCluster() =>
        string.IsNullOrEmpty(Environment.GetEnvironmentVariable("KUBERNETES_SERVICE_HOST")) ? "KUBERNETES_SERVICE_HOST is unset"
        : string.IsNullOrEmpty(Environment.GetEnvironmentVariable("KUBERNETES_SERVICE_PORT")) ? "KUBERNETES_SERVICE_PORT is unset"
        : $"no token at {ServiceAccountTokenPath}";
}

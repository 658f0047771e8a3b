using DeadlineGuard.Configuration;
using k8s;
using k8s.KubeConfigModels;
using YamlDotNet.Core;

namespace DeadlineGuard.ClusterAccess;

/// <summary>
/// The Kubernetes client's configuration, from the same places and in the same order as
/// <see cref="KubernetesClientConfiguration.BuildDefaultConfig"/> and kubectl (a <c>--kubeconfig</c> file, KUBECONFIG
/// (a list of files, merged), ~/.kube/config, the pod's service account) but without the library's last resort, a
/// client for http://localhost:8080 that fails on every call: with none of them, start-up stops with a message naming
/// what is missing. A <c>--context</c> chooses a context of the kubeconfig instead of its current-context.
/// </summary>
public static class KubernetesAccess
{
    public const string ServiceAccountTokenPath = "/var/run/secrets/kubernetes.io/serviceaccount/token";

    /// <summary>Where the configuration comes from.</summary>
    public enum Source
    {
        None,
        KubeconfigFlag,
        KubeconfigVariable,
        KubeconfigFile,
        InCluster,
    }

    /// <summary>The first source that is there; an empty KUBECONFIG counts as unset, as kubectl treats it.</summary>
    public static Source Choose(string? kubeconfigVariable, bool defaultFileExists, bool inCluster) =>
        Choose(null, kubeconfigVariable, defaultFileExists, inCluster);

    /// <summary>The first source that is there, a <c>--kubeconfig</c> flag first, as kubectl chooses.</summary>
    public static Source Choose(string? kubeconfigFlag, string? kubeconfigVariable, bool defaultFileExists, bool inCluster) =>
        !string.IsNullOrEmpty(kubeconfigFlag) ? Source.KubeconfigFlag
        : !string.IsNullOrEmpty(kubeconfigVariable) ? Source.KubeconfigVariable
        : defaultFileExists ? Source.KubeconfigFile
        : inCluster ? Source.InCluster
        : Source.None;

    /// <summary>Loads the configuration; <see cref="KubernetesAccessException"/> with a one-line reason when there is none or it is unusable.</summary>
    public static KubernetesClientConfiguration LoadConfiguration() => LoadConfiguration(null, null);

    /// <summary>
    /// Loads the configuration from <paramref name="kubeconfig"/> when given, else from where kubectl looks, with
    /// <paramref name="context"/> instead of the current-context when given. Its <c>Namespace</c> is the context's
    /// namespace (or the service account's), null when it names none.
    /// </summary>
    public static KubernetesClientConfiguration LoadConfiguration(string? kubeconfig, string? context)
    {
        var variable = Environment.GetEnvironmentVariable("KUBECONFIG");
        var defaultFile = KubernetesClientConfiguration.KubeConfigDefaultLocation;
        var source = Choose(kubeconfig, variable, File.Exists(defaultFile), KubernetesClientConfiguration.IsInCluster());
        var described = source switch
        {
            Source.KubeconfigFlag => $"the kubeconfig {kubeconfig} (--kubeconfig)",
            Source.KubeconfigVariable => $"the kubeconfig {variable} (KUBECONFIG)",
            Source.KubeconfigFile => $"the kubeconfig {defaultFile}",
            Source.InCluster when !string.IsNullOrEmpty(context) => throw new KubernetesAccessException(
                $"context \"{context}\" does not exist: there is no kubeconfig (KUBECONFIG is unset and {defaultFile} does not exist), only the pod's service account"),
            Source.InCluster => "the pod's service account",
            _ => throw new KubernetesAccessException(
                $"no Kubernetes configuration: no in-cluster service account ({WhyNotInCluster()}), KUBECONFIG is unset and {defaultFile} does not exist; " +
                "run it in a pod with a service account, or set KUBECONFIG to a kubeconfig file"),
        };

        var current = string.IsNullOrEmpty(context) ? null : context;
        try
        {
            return source switch
            {
                Source.KubeconfigFlag => KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig, current),
                Source.KubeconfigVariable when current is null => KubernetesClientConfiguration.BuildDefaultConfig(),
                Source.KubeconfigVariable => KubernetesClientConfiguration.BuildConfigFromConfigObject(Merge(KubeconfigFiles(variable!)), current),
                Source.KubeconfigFile => KubernetesClientConfiguration.BuildConfigFromConfigFile(defaultFile, current),
                _ => KubernetesClientConfiguration.InClusterConfig(),
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

    /// <summary>The files a KUBECONFIG variable lists (':' between them, ';' on Windows), as the client library splits it.</summary>
    public static IEnumerable<FileInfo> KubeconfigFiles(string variable)
    {
        ArgumentNullException.ThrowIfNull(variable);
        return variable.Split(OperatingSystem.IsWindows() ? ';' : ':', StringSplitOptions.RemoveEmptyEntries).Select(f => new FileInfo(f.Trim('"')));
    }

    /// <summary>
    /// The kubeconfig files of a KUBECONFIG list merged as kubectl merges them: the first file to set the current-context
    /// or to name a cluster, user or context wins. (The client library merges the same way for
    /// <see cref="KubernetesClientConfiguration.BuildDefaultConfig"/>, but not where a context is chosen.)
    /// </summary>
    private static K8SConfiguration Merge(IEnumerable<FileInfo> files)
    {
        var configurations = files.Select(f => KubernetesClientConfiguration.LoadKubeConfig(f)).ToList();
        var merged = configurations[0];
        merged.CurrentContext = configurations.Select(c => c.CurrentContext).FirstOrDefault(c => !string.IsNullOrEmpty(c));
        merged.Clusters = [.. configurations.SelectMany(c => c.Clusters ?? []).DistinctBy(c => c.Name)];
        merged.Users = [.. configurations.SelectMany(c => c.Users ?? []).DistinctBy(u => u.Name)];
        merged.Contexts = [.. configurations.SelectMany(c => c.Contexts ?? []).DistinctBy(c => c.Name)];
        return merged;
    }

    private static string WhyNotInCluster() =>
        string.IsNullOrEmpty(Environment.GetEnvironmentVariable("KUBERNETES_SERVICE_HOST")) ? "KUBERNETES_SERVICE_HOST is unset"
        : string.IsNullOrEmpty(Environment.GetEnvironmentVariable("KUBERNETES_SERVICE_PORT")) ? "KUBERNETES_SERVICE_PORT is unset"
        : $"no token at {ServiceAccountTokenPath}";
}

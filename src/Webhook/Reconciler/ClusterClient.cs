using k8s;

namespace DeadlineGuard.Reconciler;

/// <summary>
/// KubernetesClient's <see cref="Kubernetes"/> as the reconciler makes it from its configuration (see
/// <c>ClusterAccess.KubernetesAccess</c>), keeping the two settings that the client applies to each request but does not
/// expose (<c>tls-server-name</c> and <c>DisableHttp2</c>), so that <see cref="RolloutApi"/>'s own requests are made as
/// the client's are.
/// </summary>
public sealed class ClusterClient(KubernetesClientConfiguration config) : Kubernetes(config)
{
    public string? TlsServerName { get; } = config.TlsServerName;

    public bool DisableHttp2 { get; } = config.DisableHttp2;
}

using k8s;

namespace DeadlineGuard.Cli;

/// <summary>A client for one cluster, the namespace a command reads, and the API server's address for messages.</summary>
public sealed record ClusterConnection(IKubernetes Client, string Namespace, string Server, bool OwnsClient) : IDisposable
{
    public void Dispose()
    {
        if (OwnsClient)
        {
            Client.Dispose();
        }
    }
}

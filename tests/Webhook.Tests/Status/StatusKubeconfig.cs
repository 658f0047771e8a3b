using System.Net;
using System.Net.Sockets;

namespace DeadlineGuard.Tests.RolloutStatus;

/// <summary>A kubeconfig file for the tests' fake API server, as kubectl reads one.</summary>
public static class StatusKubeconfig
{
    public static string Write(string folder, string server, string ns)
    {
        var path = Path.Combine(folder, $"kubeconfig-{Guid.NewGuid():N}");
        File.WriteAllText(path, $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: fake
              cluster:
                server: {server}
            users:
            - name: reader
              user:
                token: fake-token
            contexts:
            - name: a
              context:
                cluster: fake
                user: reader
                namespace: {ns}
            current-context: a
            """);
        return path;
    }

    /// <summary>An http URL on loopback where nothing listens (a port just freed).</summary>
    public static string ClosedPortUrl()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return $"http://127.0.0.1:{port}";
    }
}

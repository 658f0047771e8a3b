using System.Net;
using System.Net.Sockets;
using DeadlineGuard.Tests.Support;

namespace DeadlineGuard.Tests.RolloutStatus;

/// <summary>A kubeconfig file for the tests' fake API server, as kubectl reads one.</summary>
public static class StatusKubeconfig
{
    public static string Write(string folder, string server, string ns) =>
        FakeKubeconfig.Write(folder, server, new KubeContext("a", ns));

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

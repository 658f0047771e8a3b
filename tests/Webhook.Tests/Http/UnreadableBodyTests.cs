using System.Net.Security;
using System.Net.Sockets;
using System.Text;

namespace DeadlineGuard.Tests.Http;

/// <summary>
/// A body Kestrel cannot read (here a chunked body with a chunk size that is not hexadecimal) is the client's
/// fault: it gets Kestrel's status with a one-line reason and is counted like every other bad request, where it
/// used to escape the handler as an unhandled exception.
/// </summary>
public sealed class UnreadableBodyTests(KestrelWebhook server) : IClassFixture<KestrelWebhook>
{
    private async Task<string> SendRawAsync(string request)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", server.Port);
        await using var tls = new SslStream(tcp.GetStream(), false, (_, certificate, _, _) => server.IsServingCertificate(certificate));
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "localhost", ApplicationProtocols = [SslApplicationProtocol.Http11] });
        await tls.WriteAsync(Encoding.ASCII.GetBytes(request));
        await tls.FlushAsync();
        using var reader = new StreamReader(tls, Encoding.UTF8);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        return await reader.ReadToEndAsync(timeout.Token);
    }

    [Fact]
    public async Task A_malformed_chunked_body_is_a_400_with_a_one_line_reason_and_is_counted()
    {
        using var client = server.CreateClient();
        const string Series = "deadline_guard_admission_requests_total{endpoint=\"mutate\",operation=\"unknown\",decision=\"invalid\"}";
        var before = Counter(await client.GetStringAsync("/metrics"), Series);

        var answer = await SendRawAsync(
            "POST /mutate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\n{}\r\n0\r\n\r\n");

        answer.ShouldStartWith("HTTP/1.1 400");
        var reason = answer.Split('\n').Single(l => l.Contains("request body could not be read: ", StringComparison.Ordinal));
        reason.Length.ShouldBeLessThan(300);
        Counter(await client.GetStringAsync("/metrics"), Series).ShouldBe(before + 1);
    }

    private static double Counter(string metrics, string series) =>
        metrics.Split('\n').FirstOrDefault(l => l.StartsWith(series + " ", StringComparison.Ordinal)) is { } line
            ? double.Parse(line[(series.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture)
            : 0;
}

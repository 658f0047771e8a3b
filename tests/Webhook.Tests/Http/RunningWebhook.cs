using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using DeadlineGuard.Hosting;
using DeadlineGuard.Tls;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace DeadlineGuard.Tests.Http;

/// <summary>The real program on Kestrel over loopback TLS with the settings a test gives; its own certificate is the only one trusted.</summary>
public sealed class RunningWebhook : IAsyncDisposable
{
    private RunningWebhook(WebApplication app)
    {
        App = app;
        BaseAddress = new Uri(app.Urls.Single());
    }

    public WebApplication App { get; }

    public Uri BaseAddress { get; }

    /// <summary>Builds and starts the program; <paramref name="beforeStart"/> may adjust services (Kestrel's options) first.</summary>
    public static async Task<RunningWebhook> StartAsync(IEnumerable<string> settings, Action<WebApplication>? beforeStart = null)
    {
        var app = WebhookApp.Build(["--urls", "https://127.0.0.1:0", .. settings]);
        beforeStart?.Invoke(app);
        await app.StartAsync();
        return new RunningWebhook(app);
    }

    public bool IsServingCertificate(X509Certificate? presented) =>
        presented is not null && presented.GetCertHashString() == App.Services.GetRequiredService<ServingCertificate>().Current.GetCertHashString();

    /// <summary>An HTTP/1.1 client with keep-alive, as the API server's is when HTTP/2 is not negotiated.</summary>
    public HttpClient Http11Client() => new(new SocketsHttpHandler
    {
        SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = (_, c, _, _) => IsServingCertificate(c) },
    })
    {
        BaseAddress = BaseAddress,
        DefaultRequestVersion = HttpVersion.Version11,
        DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
    };

    /// <summary>A raw HTTP/1.1 connection over TLS, for requests no HTTP client sends (a body that stalls or stops).</summary>
    public async Task<(TcpClient Tcp, SslStream Tls)> ConnectRawAsync()
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, BaseAddress.Port);
        var tls = new SslStream(tcp.GetStream(), false, (_, certificate, _, _) => IsServingCertificate(certificate));
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "localhost", ApplicationProtocols = [SslApplicationProtocol.Http11] });
        return (tcp, tls);
    }

    public static Task WriteAsync(Stream stream, string text) => stream.WriteAsync(Encoding.ASCII.GetBytes(text)).AsTask();

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
    }
}

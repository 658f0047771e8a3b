using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using DeadlineGuard.Hosting;
using DeadlineGuard.Tls;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace DeadlineGuard.Tests.Http;

/// <summary>The real program on Kestrel with real TLS on a free loopback port; its self-signed certificate is the only one trusted.</summary>
public sealed class KestrelWebhook : IAsyncLifetime
{
    private WebApplication? _app;

    public Uri BaseAddress { get; private set; } = null!;

    public int Port => BaseAddress.Port;

    /// <summary>The certificate the server was set up to present (what a caBundle would hold).</summary>
    public X509Certificate2 ServingCertificate => _app!.Services.GetRequiredService<ServingCertificate>().Current;

    public async Task InitializeAsync()
    {
        _app = WebhookApp.Build(["--urls", "https://127.0.0.1:0"]);
        await _app.StartAsync();
        BaseAddress = new Uri(_app.Urls.Single());
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    /// <summary>Accepts exactly the server's own certificate, as an API server with that caBundle would.</summary>
    public bool IsServingCertificate(X509Certificate? presented) =>
        presented is not null && presented.GetCertHashString() == ServingCertificate.GetCertHashString();

    public HttpClient CreateClient()
    {
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, _) => IsServingCertificate(certificate),
            },
        };
        return new HttpClient(handler) { BaseAddress = BaseAddress, DefaultRequestVersion = HttpVersion.Version20 };
    }
}

using System.Security.Authentication;
using DeadlineGuard.Configuration;
using DeadlineGuard.Files;
using DeadlineGuard.Leadership;
using k8s;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace DeadlineGuard.Tls;

public static class TlsServices
{
    public static IServiceCollection AddServingCertificate(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<TlsOptions, TlsOptionsValidator>(configuration, TlsOptions.Section);
        services.AddWatchedFile<ServingCertificate>();
        return services;
    }

    /// <summary>The self-managed certificate mode (certs.enabled): the reconciler's leader keeps the webhook's certificate renewed.</summary>
    public static IServiceCollection AddCertificateRenewal(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<CertsOptions, CertsSettingsValidator>(configuration, CertsOptions.Section);
        var certs = configuration.GetSection(CertsOptions.Section).Get<CertsOptions>() ?? new CertsOptions();
        if (certs.Enabled)
        {
            services.AddSingleton(sp => new CertificateRotator(
                sp.GetRequiredService<IKubernetes>(), certs, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<CertificateRotator>>()));
            services.AddSingleton<ILeaderWork, CertificateRenewal>();
        }

        return services;
    }

    /// <summary>
    /// HTTP/1.1 and HTTP/2 on every endpoint; TLS 1.2 and 1.3 only, with the serving certificate of the moment.
    /// Each handshake gets the certificate's prepared <see cref="System.Net.Security.SslStreamCertificateContext"/>:
    /// with only a certificate, SslStream would build its chain again on every handshake.
    /// </summary>
    /// <param name="connections">connection middleware for every endpoint (the host's drain at shutdown), if any.</param>
    public static void ConfigureWebhookKestrel(this KestrelServerOptions kestrel, Func<ConnectionDelegate, ConnectionDelegate>? connections = null)
    {
        kestrel.AddServerHeader = false;
        kestrel.ConfigureEndpointDefaults(listen =>
        {
            listen.Protocols = HttpProtocols.Http1AndHttp2;
            if (connections is not null)
            {
                listen.Use(connections);
            }
        });
        kestrel.ConfigureHttpsDefaults(https =>
        {
            https.SslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13;
            var certificate = kestrel.ApplicationServices.GetRequiredService<ServingCertificate>();

            // Kestrel wants a certificate source when it binds (else it looks for a development certificate);
            // OnAuthenticate, which runs after Kestrel set ALPN and the protocols, swaps it for the context.
            https.ServerCertificateSelector = (_, _) => certificate.Current;
            https.OnAuthenticate = (_, ssl) =>
            {
                ssl.ServerCertificateSelectionCallback = null;
                ssl.ServerCertificate = null;
                ssl.ServerCertificateContext = certificate.Context;
            };
        });
    }
}

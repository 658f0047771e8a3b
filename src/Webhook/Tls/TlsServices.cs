using System.Security.Authentication;
using DeadlineGuard.Hosting;
using FluentValidation;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace DeadlineGuard.Tls;

public static class TlsServices
{
    public static IServiceCollection AddServingCertificate(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<TlsOptions, TlsOptionsValidator>(configuration, TlsOptions.Section);
        services.AddSingleton<ServingCertificate>();
        services.AddHostedService<CertificateLoader>();
        return services;
    }

    /// <summary>
    /// HTTP/1.1 and HTTP/2 on every endpoint; TLS 1.2 and 1.3 only, with the serving certificate of the moment.
    /// Each handshake gets the certificate's prepared <see cref="System.Net.Security.SslStreamCertificateContext"/>:
    /// with only a certificate, SslStream would build its chain again on every handshake.
    /// </summary>
    public static void ConfigureWebhookKestrel(this KestrelServerOptions kestrel)
    {
        kestrel.AddServerHeader = false;
        var drain = kestrel.ApplicationServices.GetService<ConnectionDrain>();
        kestrel.ConfigureEndpointDefaults(listen =>
        {
            listen.Protocols = HttpProtocols.Http1AndHttp2;
            if (drain is not null)
            {
                listen.Use(drain.Track);
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

public sealed class TlsOptionsValidator : AbstractValidator<TlsOptions>
{
    public TlsOptionsValidator()
    {
        RuleFor(o => o.KeyFile).NotEmpty().When(o => !string.IsNullOrEmpty(o.CertFile))
            .WithMessage("must be set together with Tls:CertFile");
        RuleFor(o => o.CertFile).NotEmpty().When(o => !string.IsNullOrEmpty(o.KeyFile))
            .WithMessage("must be set together with Tls:KeyFile");
        RuleFor(o => o.CertFile).Must(File.Exists!).When(o => !string.IsNullOrEmpty(o.CertFile))
            .WithMessage(o => $"file {o.CertFile} does not exist");
        RuleFor(o => o.KeyFile).Must(File.Exists!).When(o => !string.IsNullOrEmpty(o.KeyFile))
            .WithMessage(o => $"file {o.KeyFile} does not exist");
        RuleFor(o => o.ReloadCheckSeconds).InclusiveBetween(1, 86_400)
            .WithMessage(o => $"must be between 1 and 86400 seconds, found {o.ReloadCheckSeconds}");
    }
}

/// <summary>Loads the certificate before the server listens, so a broken file fails start-up instead of a handshake.</summary>
public sealed class CertificateLoader(ServingCertificate certificate) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        certificate.Load();
        certificate.StartWatching();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

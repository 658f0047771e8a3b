namespace DeadlineGuard.Tls;

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

using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using DeadlineGuard.Files;
using DeadlineGuard.Observability;
using Microsoft.Extensions.Options;

namespace DeadlineGuard.Tls;

/// <summary>
/// The certificate Kestrel presents: from PEM files when configured (reloaded when they change), else self-signed in
/// memory. Each certificate comes with its <see cref="SslStreamCertificateContext"/>, built once when it is loaded
/// (chain from the file, offline) rather than on every handshake.
/// </summary>
public sealed partial class ServingCertificate : IWatchedFile, IDisposable
{
    private readonly TlsOptions _options;
    private readonly ILogger<ServingCertificate> _logger;
    private readonly TimeProvider _time;
    private readonly Readiness _readiness;
    private readonly Lock _gate = new();
    private volatile Served? _served;
    private FileChangeMonitor? _monitor;

    public ServingCertificate(IOptions<TlsOptions> options, ILogger<ServingCertificate> logger, TimeProvider time, Readiness readiness)
    {
        _options = options.Value;
        _logger = logger;
        _time = time;
        _readiness = readiness;
        readiness.Expect(Readiness.Certificate);
    }

    public X509Certificate2 Current => (_served ?? LoadServed()).Certificate;

    /// <summary>What a handshake presents: the certificate, its key and the intermediates from the file.</summary>
    public SslStreamCertificateContext Context => (_served ?? LoadServed()).Context;

    /// <summary>Raised after a new certificate from the files took effect.</summary>
    public event Action<X509Certificate2>? Reloaded;

    /// <summary>Loads (or creates) the certificate once; called at start so that a bad file stops the program.</summary>
    public X509Certificate2 Load() => LoadServed().Certificate;

    void IWatchedFile.Load() => Load();

    /// <summary>
    /// Reads the PEM files again and swaps the certificate when they hold a new, valid pair. A half-written
    /// pair (a Secret update in progress) is ignored and the current certificate stays: no handshake fails.
    /// </summary>
    public bool Reload()
    {
        if (string.IsNullOrEmpty(_options.CertFile) || string.IsNullOrEmpty(_options.KeyFile))
        {
            return false;
        }

        Served fresh;
        lock (_gate)
        {
            try
            {
                fresh = FromFiles(_options.CertFile, _options.KeyFile);
            }
            catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException)
            {
                LogReloadFailed(_logger, _options.CertFile, e.Message);
                return false;
            }

            if (_served is { } old && old.SameChain(fresh))
            {
                fresh.Certificate.Dispose();
                return false;
            }

            // Handshakes in flight may still hold the old certificate; it is left to the finalizer rather than disposed under them.
            _served = fresh;
        }

        LogFromFiles(_logger, _options.CertFile, fresh.Certificate.Subject, fresh.Certificate.GetCertHashString(HashAlgorithmName.SHA256), fresh.Certificate.NotAfter.ToUniversalTime());
        Reloaded?.Invoke(fresh.Certificate);
        return true;
    }

    /// <summary>
    /// Reloads when the files change, whatever their layout (a kubelet volume swaps <c>..data</c> in the volume root,
    /// see <see cref="FileChangeMonitor"/>), and checks them every <c>Tls:ReloadCheckSeconds</c> besides.
    /// </summary>
    public void StartWatching()
    {
        if (string.IsNullOrEmpty(_options.CertFile) || string.IsNullOrEmpty(_options.KeyFile) || _monitor is not null)
        {
            return;
        }

        _monitor = new FileChangeMonitor(
            [_options.CertFile, _options.KeyFile], () => Reload(), TimeSpan.FromSeconds(_options.ReloadCheckSeconds), _time, _logger);
        _monitor.Start();
    }

    /// <summary>A P-256 certificate for the given names plus the loopback addresses, valid for one year.</summary>
    public static X509Certificate2 CreateSelfSigned(IReadOnlyList<string> dnsNames, DateTimeOffset now)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={dnsNames[0]}", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        foreach (var name in dnsNames.Distinct(StringComparer.OrdinalIgnoreCase))
        {
            san.AddDnsName(name);
        }

        san.AddIpAddress(IPAddress.Loopback);
        san.AddIpAddress(IPAddress.IPv6Loopback);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        return request.CreateSelfSigned(now.AddMinutes(-5), now.AddYears(1));
    }

    public void Dispose()
    {
        _monitor?.Dispose();
        _served?.Certificate.Dispose();
    }

    private Served LoadServed()
    {
        lock (_gate)
        {
            if (_served is { } loaded)
            {
                return loaded;
            }

            Served served;
            if (string.IsNullOrEmpty(_options.CertFile))
            {
                var certificate = CreateSelfSigned(["localhost", .. _options.SelfSignedDnsNames], _time.GetUtcNow());
                served = new Served(certificate, [], SslStreamCertificateContext.Create(certificate, null, offline: true));
                LogSelfSigned(_logger, certificate.GetCertHashString(HashAlgorithmName.SHA256), certificate.NotAfter.ToUniversalTime());
            }
            else
            {
                served = FromFiles(_options.CertFile, _options.KeyFile!);
                LogFromFiles(_logger, _options.CertFile, served.Certificate.Subject, served.Certificate.GetCertHashString(HashAlgorithmName.SHA256), served.Certificate.NotAfter.ToUniversalTime());
            }

            _served = served;
            _readiness.Passed(Readiness.Certificate);
            return served;
        }
    }

    /// <summary>
    /// The pair from the files, each read once (so the certificate and its chain are of the same version), and the
    /// handshake context. Offline: the chain is what the file holds plus the system store, nothing is downloaded.
    /// </summary>
    private static Served FromFiles(string certFile, string keyFile)
    {
        var certificatePem = File.ReadAllText(certFile);
        var keyPem = File.ReadAllText(keyFile);
        X509Certificate2 certificate;
        try
        {
            certificate = X509Certificate2.CreateFromPem(certificatePem, keyPem);
        }
        catch (ArgumentException e)
        {
            // An EC key of another certificate is an ArgumentException ("The provided key does not match…"), an RSA one a CryptographicException.
            throw new CryptographicException($"the key in {keyFile} does not match the certificate in {certFile} ({e.Message})", e);
        }

        try
        {
            var all = new X509Certificate2Collection();
            all.ImportFromPem(certificatePem);
            X509Certificate2[] chain = [.. all.Skip(1)];
            var context = SslStreamCertificateContext.Create(certificate, [.. chain], offline: true);
            return new Served(certificate, chain, context);
        }
        catch
        {
            certificate.Dispose();
            throw;
        }
    }

    private sealed record Served(X509Certificate2 Certificate, X509Certificate2[] Chain, SslStreamCertificateContext Context)
    {
        public bool SameChain(Served other) =>
            Certificate.RawData.AsSpan().SequenceEqual(other.Certificate.RawData)
            && Chain.Length == other.Chain.Length
            && Chain.Zip(other.Chain).All(p => p.First.RawData.AsSpan().SequenceEqual(p.Second.RawData));
    }

    [LoggerMessage(EventId = 20, Level = LogLevel.Warning, Message = "No Tls:CertFile configured: serving a self-signed certificate for localhost made in memory, SHA-256 fingerprint {Fingerprint}, valid until {NotAfter:o}")]
    private static partial void LogSelfSigned(ILogger logger, string fingerprint, DateTime notAfter);

    [LoggerMessage(EventId = 22, Level = LogLevel.Warning, Message = "Serving certificate files {CertFile} could not be loaded ({Reason}); the current certificate stays in use")]
    private static partial void LogReloadFailed(ILogger logger, string certFile, string reason);

    [LoggerMessage(EventId = 21, Level = LogLevel.Information, Message = "Serving certificate loaded from {CertFile}: {Subject}, SHA-256 fingerprint {Fingerprint}, valid until {NotAfter:o}")]
    private static partial void LogFromFiles(ILogger logger, string certFile, string subject, string fingerprint, DateTime notAfter);
}

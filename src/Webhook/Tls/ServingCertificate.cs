using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using DeadlineGuard.Observability;
using Microsoft.Extensions.Options;

namespace DeadlineGuard.Tls;

/// <summary>The certificate Kestrel presents: from PEM files when configured, else self-signed in memory.</summary>
public sealed partial class ServingCertificate : IDisposable
{
    private readonly TlsOptions _options;
    private readonly ILogger<ServingCertificate> _logger;
    private readonly TimeProvider _time;
    private readonly Readiness _readiness;
    private volatile X509Certificate2? _current;

    public ServingCertificate(IOptions<TlsOptions> options, ILogger<ServingCertificate> logger, TimeProvider time, Readiness readiness)
    {
        _options = options.Value;
        _logger = logger;
        _time = time;
        _readiness = readiness;
        readiness.Expect(Readiness.Certificate);
    }

    private FileSystemWatcher? _watcher;

    public X509Certificate2 Current => _current ?? Load();

    /// <summary>Raised after a new certificate from the files took effect.</summary>
    public event Action<X509Certificate2>? Reloaded;

    /// <summary>Loads (or creates) the certificate once; called at start so that a bad file stops the program.</summary>
    public X509Certificate2 Load()
    {
        if (_current is { } loaded)
        {
            return loaded;
        }

        X509Certificate2 certificate;
        if (string.IsNullOrEmpty(_options.CertFile))
        {
            certificate = CreateSelfSigned(["localhost", .. _options.SelfSignedDnsNames], _time.GetUtcNow());
            LogSelfSigned(_logger, certificate.GetCertHashString(HashAlgorithmName.SHA256), certificate.NotAfter.ToUniversalTime());
        }
        else
        {
            certificate = X509Certificate2.CreateFromPemFile(_options.CertFile, _options.KeyFile);
            LogFromFiles(_logger, _options.CertFile, certificate.Subject, certificate.GetCertHashString(HashAlgorithmName.SHA256), certificate.NotAfter.ToUniversalTime());
        }

        _current = certificate;
        _readiness.Passed(Readiness.Certificate);
        return certificate;
    }

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

        X509Certificate2 fresh;
        try
        {
            fresh = X509Certificate2.CreateFromPemFile(_options.CertFile, _options.KeyFile);
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            LogReloadFailed(_logger, _options.CertFile, e.Message);
            return false;
        }

        var old = _current;
        if (old is not null && old.RawData.AsSpan().SequenceEqual(fresh.RawData))
        {
            fresh.Dispose();
            return false;
        }

        _current = fresh;
        LogFromFiles(_logger, _options.CertFile, fresh.Subject, fresh.GetCertHashString(HashAlgorithmName.SHA256), fresh.NotAfter.ToUniversalTime());
        Reloaded?.Invoke(fresh);

        // Handshakes in flight may still hold the old certificate; it is left to the finalizer rather than disposed under them.
        return true;
    }

    /// <summary>Watches the certificate's folder: a Secret volume swaps a ..data symlink, which a watch on the file misses.</summary>
    public void StartWatching()
    {
        if (string.IsNullOrEmpty(_options.CertFile) || _watcher is not null)
        {
            return;
        }

        _watcher = new FileSystemWatcher(Path.GetDirectoryName(Path.GetFullPath(_options.CertFile))!)
        {
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.CreationTime,
        };
        _watcher.Changed += (_, _) => Reload();
        _watcher.Created += (_, _) => Reload();
        _watcher.Renamed += (_, _) => Reload();
        _watcher.EnableRaisingEvents = true;
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
        _watcher?.Dispose();
        _current?.Dispose();
    }

    [LoggerMessage(EventId = 20, Level = LogLevel.Warning, Message = "No Tls:CertFile configured: serving a self-signed certificate for localhost made in memory, SHA-256 fingerprint {Fingerprint}, valid until {NotAfter:o}")]
    private static partial void LogSelfSigned(ILogger logger, string fingerprint, DateTime notAfter);

    [LoggerMessage(EventId = 22, Level = LogLevel.Warning, Message = "Serving certificate files {CertFile} could not be loaded ({Reason}); the current certificate stays in use")]
    private static partial void LogReloadFailed(ILogger logger, string certFile, string reason);

    [LoggerMessage(EventId = 21, Level = LogLevel.Information, Message = "Serving certificate loaded from {CertFile}: {Subject}, SHA-256 fingerprint {Fingerprint}, valid until {NotAfter:o}")]
    private static partial void LogFromFiles(ILogger logger, string certFile, string subject, string fingerprint, DateTime notAfter);
}

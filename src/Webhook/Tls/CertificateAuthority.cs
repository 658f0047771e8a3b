using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace DeadlineGuard.Tls;

/// <summary>The self-managed certificate mode's crypto: a CA, serving certificates it signs, and when to renew. No I/O.</summary>
public static class CertificateAuthority
{
    public static PemPair CreateCa(DateTimeOffset now, int validityDays)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN=rollout-deadline-guard-ca-{now:yyyyMMddHHmmss}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        using var certificate = request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(validityDays));
        return new PemPair(certificate.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());
    }

    /// <summary>A serving certificate for the given DNS names, signed by the CA.</summary>
    public static PemPair Issue(PemPair ca, IReadOnlyList<string> dnsNames, DateTimeOffset now, int validityDays)
    {
        using var caCertificate = ca.Load();
        using var caKey = caCertificate.GetECDsaPrivateKey() ?? throw new CryptographicException("the CA key is not an ECDSA key");
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        // The subject names the shortest DNS name, the bare Service name (a DNS label, at most 63 characters), so it
        // stays within RFC 5280's 64-character common name; TLS clients check the SANs below.
        var request = new CertificateRequest($"CN={dnsNames.MinBy(n => n.Length)}", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        foreach (var name in dnsNames)
        {
            san.AddDnsName(name);
        }

        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(caCertificate, true, false));
        var notAfter = now.AddDays(validityDays);
        if (notAfter > caCertificate.NotAfter)
        {
            notAfter = caCertificate.NotAfter; // a leaf never outlives its CA
        }

        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        using var certificate = request.Create(caCertificate.SubjectName, X509SignatureGenerator.CreateForECDsa(caKey), now.AddMinutes(-5), notAfter, serial);
        return new PemPair(certificate.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());
    }

    /// <summary>The DNS names a webhook Service is reached by.</summary>
    public static IReadOnlyList<string> ServiceNames(string service, string @namespace) =>
        [$"{service}.{@namespace}.svc", $"{service}.{@namespace}.svc.cluster.local", $"{service}.{@namespace}", service];

    /// <summary>True when the certificate expires within <paramref name="renewBefore"/> (or already has).</summary>
    public static bool Expiring(X509Certificate2 certificate, DateTimeOffset now, TimeSpan renewBefore) =>
        certificate.NotAfter.ToUniversalTime() - now.UtcDateTime <= renewBefore;

    /// <summary>True when the leaf was signed by the CA and names every DNS name required.</summary>
    public static bool Fits(X509Certificate2 leaf, X509Certificate2 ca, IReadOnlyList<string> dnsNames)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationFlags = X509VerificationFlags.IgnoreNotTimeValid;
        if (!chain.Build(leaf))
        {
            return false;
        }

        return dnsNames.All(name => leaf.MatchesHostname(name, allowWildcards: false, allowCommonName: false));
    }

    /// <summary>The PEM certificates of a bundle that have not expired, in order.</summary>
    public static IReadOnlyList<X509Certificate2> ReadBundle(string pem, DateTimeOffset now)
    {
        var collection = new X509Certificate2Collection();
        if (!string.IsNullOrWhiteSpace(pem))
        {
            collection.ImportFromPem(pem);
        }

        return collection.Where(c => c.NotAfter.ToUniversalTime() > now.UtcDateTime).ToList();
    }
}

using System.Security.Cryptography.X509Certificates;

namespace DeadlineGuard.Tls;

/// <summary>A certificate and its private key, as PEM text.</summary>
public sealed record PemPair(string CertificatePem, string KeyPem)
{
    public X509Certificate2 Load() => X509Certificate2.CreateFromPem(CertificatePem, KeyPem);
}

namespace DeadlineGuard.Tls;

/// <summary>Configuration section "Tls".</summary>
public sealed class TlsOptions
{
    public const string Section = "Tls";

    /// <summary>PEM certificate chain (tls.crt of a mounted Secret). With KeyFile; neither means a self-signed certificate in memory.</summary>
    public string? CertFile { get; set; }

    /// <summary>PEM private key (tls.key).</summary>
    public string? KeyFile { get; set; }

    /// <summary>
    /// How often the files are read again besides the file watch, in case an event was lost (default 60). A renewal
    /// is normally seen within a second through the watch.
    /// </summary>
    public int ReloadCheckSeconds { get; set; } = 60;

    /// <summary>Extra DNS names for the in-memory self-signed certificate (localhost is always included).</summary>
    public string[] SelfSignedDnsNames { get; set; } = [];
}

namespace DeadlineGuard.Observability;

/// <summary>Ready once the serving certificate and the policy are loaded, and until shutdown begins.</summary>
public sealed class Readiness
{
    private volatile bool _certificate;
    private volatile bool _policy;
    private volatile bool _stopping;

    public void CertificateLoaded() => _certificate = true;

    public void PolicyLoaded() => _policy = true;

    public void Stopping() => _stopping = true;

    public bool IsReady => _certificate && _policy && !_stopping;

    /// <summary>Why the process is not ready, for the /readyz body.</summary>
    public string Describe() =>
        _stopping ? "shutting down"
        : !_certificate ? "serving certificate not loaded"
        : !_policy ? "policy not loaded"
        : "ready";
}

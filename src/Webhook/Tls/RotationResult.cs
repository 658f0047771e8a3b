namespace DeadlineGuard.Tls;

/// <summary>What one rotation pass did.</summary>
public sealed record RotationResult(bool CaCreated, bool CaRotated, bool CertificateIssued, int WebhooksPatched, DateTimeOffset NextCheck)
{
    public bool Changed => CaCreated || CaRotated || CertificateIssued || WebhooksPatched > 0;

    /// <summary>The webhook configurations that did not exist (allowed only when the caller said they may be missing), as "Kind name".</summary>
    public IReadOnlyList<string> MissingWebhookConfigurations { get; init; } = [];
}

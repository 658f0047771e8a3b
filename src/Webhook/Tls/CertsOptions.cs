namespace DeadlineGuard.Tls;

/// <summary>Configuration section "Certs": the self-managed certificate mode.</summary>
public sealed class CertsOptions
{
    public const string Section = "Certs";

    /// <summary>For the reconciler: keep the certificate renewed while leading.</summary>
    public bool Enabled { get; set; }

    public string Namespace { get; set; } = string.Empty;

    public string ServiceName { get; set; } = string.Empty;

    /// <summary>The serving Secret (tls.crt, tls.key, ca.crt); the CA lives in "&lt;SecretName&gt;-ca".</summary>
    public string SecretName { get; set; } = string.Empty;

    public string MutatingWebhook { get; set; } = string.Empty;

    public string ValidatingWebhook { get; set; } = string.Empty;

    public int CaValidityDays { get; set; } = 3650;

    public int CertValidityDays { get; set; } = 365;

    public int RenewBeforeDays { get; set; } = 30;

    /// <summary>How often the reconciler's leader checks, at most.</summary>
    public int CheckIntervalMinutes { get; set; } = 720;

    public string CaSecretName => SecretName + "-ca";
}

using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace DeadlineGuard.Tls;

/// <summary>
/// The self-managed certificate mode: a CA in Secret "&lt;name&gt;-ca", the serving pair in Secret "&lt;name&gt;",
/// and the CA bundle in both webhook configurations. Idempotent: an unexpired certificate is left alone, so a
/// Helm upgrade or an Argo CD sync never regenerates it. A new CA is added to the bundle before any
/// certificate signed by it is served, and the old CA stays in the bundle until it expires.
/// <para>
/// Both webhook configurations are read first. One that does not exist is an error
/// (<see cref="WebhookConfigurationMissingException"/>, before anything is written) unless the caller allows it: Helm
/// runs pre-install hooks before it creates the release's objects, so the pre-install run makes the Secrets and
/// reports the configurations it could not fill, and the post-install run (where both must exist) fills them. A pass
/// stopped half-way is finished by the next one: every step reads what is there and writes only what is missing.
/// </para>
/// </summary>
public sealed partial class CertificateRotator(IKubernetes client, CertsOptions options, TimeProvider time, ILogger<CertificateRotator> logger)
{
    /// <summary>One pass; <paramref name="allowMissingWebhookConfigurations"/>: a webhook configuration that does not exist yet is skipped and reported, not an error.</summary>
    public async Task<RotationResult> RotateAsync(CancellationToken cancellationToken, bool allowMissingWebhookConfigurations = false)
    {
        var now = time.GetUtcNow();
        var renewBefore = TimeSpan.FromDays(options.RenewBeforeDays);
        var names = CertificateAuthority.ServiceNames(options.ServiceName, options.Namespace);

        // 0. The webhook configurations, before anything is written: a missing one fails the pass here or is skipped.
        var configurations = await ReadConfigurationsAsync(cancellationToken);
        var missing = configurations.Where(c => c.Webhooks is null).Select(c => $"{c.Kind} {c.Name}").ToList();
        if (missing.Count > 0 && !allowMissingWebhookConfigurations)
        {
            throw new WebhookConfigurationMissingException(
                $"{string.Join(" and ", missing)} not found, so its caBundle cannot be written (nothing was changed)");
        }

        // 1. The CA: create it, or rotate it before it expires (keeping the old one in the bundle).
        var caSecret = await ReadSecretAsync(options.CaSecretName, cancellationToken);
        var serving = await ReadSecretAsync(options.SecretName, cancellationToken);
        PemPair ca;
        string bundle;
        bool caCreated = false, caRotated = false;
        if (caSecret is null || !TryReadPair(caSecret, "tls.crt", "tls.key", out var storedCa))
        {
            // A new CA. When the CA Secret was deleted to rotate the CA, the CAs the serving Secret still lists stay
            // in the bundle, so the certificate the pods serve until they load the new one is still trusted.
            ca = CertificateAuthority.CreateCa(now, options.CaValidityDays);
            bundle = JoinBundle(CertificateAuthority.ReadBundle(Text(serving, "ca.crt") ?? string.Empty, now), ca.CertificatePem);
            caCreated = true;
        }
        else
        {
            using var current = storedCa.Load();
            var previousBundle = Text(caSecret, "ca.crt") ?? storedCa.CertificatePem;
            if (CertificateAuthority.Expiring(current, now, renewBefore))
            {
                ca = CertificateAuthority.CreateCa(now, options.CaValidityDays);
                bundle = JoinBundle(CertificateAuthority.ReadBundle(previousBundle, now), ca.CertificatePem);
                caRotated = true;
            }
            else
            {
                ca = storedCa;
                bundle = JoinBundle(CertificateAuthority.ReadBundle(previousBundle, now), ca.CertificatePem);
            }
        }

        if (caCreated || caRotated || Text(caSecret, "ca.crt") != bundle)
        {
            await WriteSecretAsync(caSecret, options.CaSecretName, "Opaque", new()
            {
                ["tls.crt"] = ca.CertificatePem,
                ["tls.key"] = ca.KeyPem,
                ["ca.crt"] = bundle,
            }, cancellationToken);
        }

        // 2. The bundle in both webhook configurations, before a certificate signed by a new CA is served.
        var patched = await PatchBundleAsync(configurations, bundle);

        // 3. The serving certificate: issue it when missing, expiring, not for this Service or not from this CA.
        var issue = true;
        if (serving is not null && TryReadPair(serving, "tls.crt", "tls.key", out var pair))
        {
            using var leaf = pair.Load();
            using var caCertificate = X509Certificate2.CreateFromPem(ca.CertificatePem);
            issue = CertificateAuthority.Expiring(leaf, now, renewBefore) || !CertificateAuthority.Fits(leaf, caCertificate, names);
        }

        if (issue)
        {
            var fresh = CertificateAuthority.Issue(ca, names, now, options.CertValidityDays);
            await WriteSecretAsync(serving, options.SecretName, "kubernetes.io/tls", new()
            {
                ["tls.crt"] = fresh.CertificatePem,
                ["tls.key"] = fresh.KeyPem,
                ["ca.crt"] = bundle,
            }, cancellationToken);
        }
        else if (Text(serving, "ca.crt") != bundle)
        {
            await WriteSecretAsync(serving, options.SecretName, "kubernetes.io/tls", new()
            {
                ["tls.crt"] = Text(serving, "tls.crt")!,
                ["tls.key"] = Text(serving, "tls.key")!,
                ["ca.crt"] = bundle,
            }, cancellationToken);
        }

        var next = await NextCheckAsync(now, renewBefore, cancellationToken);
        var result = new RotationResult(caCreated, caRotated, issue, patched, next) { MissingWebhookConfigurations = missing };
        LogRotation(logger, options.Namespace, options.SecretName, caCreated, caRotated, issue, patched, next);
        return result;
    }

    private async Task<DateTimeOffset> NextCheckAsync(DateTimeOffset now, TimeSpan renewBefore, CancellationToken cancellationToken)
    {
        var interval = now.AddMinutes(options.CheckIntervalMinutes);
        var serving = await ReadSecretAsync(options.SecretName, cancellationToken);
        if (serving is not null && TryReadPair(serving, "tls.crt", "tls.key", out var pair))
        {
            using var leaf = pair.Load();
            var renewAt = new DateTimeOffset(leaf.NotAfter.ToUniversalTime()) - renewBefore;
            return renewAt < interval ? renewAt : interval;
        }

        return interval;
    }

    /// <summary>The unexpired CAs of the old bundle, then <paramref name="addPem"/> unless it is already there.</summary>
    private static string JoinBundle(IReadOnlyList<X509Certificate2> keep, string addPem)
    {
        var pems = keep.Select(c => c.ExportCertificatePem().Trim()).ToList();
        if (!pems.Contains(addPem.Trim()))
        {
            pems.Add(addPem.Trim());
        }

        foreach (var certificate in keep)
        {
            certificate.Dispose();
        }

        return string.Join("\n", pems) + "\n";
    }

    /// <summary>
    /// Both configurations named in the options, read now: the client configs of their webhooks (null when the
    /// configuration does not exist: 404) and how to patch each.
    /// </summary>
    private async Task<List<WebhookConfigurationTarget>> ReadConfigurationsAsync(CancellationToken cancellationToken)
    {
        var admission = client.AdmissionregistrationV1;
        var targets = new List<WebhookConfigurationTarget>();
        if (!string.IsNullOrEmpty(options.MutatingWebhook))
        {
            var config = await ReadOrNullAsync(() => admission.ReadMutatingWebhookConfigurationAsync(options.MutatingWebhook, cancellationToken: cancellationToken));
            targets.Add(new("MutatingWebhookConfiguration", options.MutatingWebhook, config is null ? null : [.. config.Webhooks?.Select(w => w.ClientConfig) ?? []],
                patch => admission.PatchMutatingWebhookConfigurationAsync(patch, options.MutatingWebhook, cancellationToken: cancellationToken)));
        }

        if (!string.IsNullOrEmpty(options.ValidatingWebhook))
        {
            var config = await ReadOrNullAsync(() => admission.ReadValidatingWebhookConfigurationAsync(options.ValidatingWebhook, cancellationToken: cancellationToken));
            targets.Add(new("ValidatingWebhookConfiguration", options.ValidatingWebhook, config is null ? null : [.. config.Webhooks?.Select(w => w.ClientConfig) ?? []],
                patch => admission.PatchValidatingWebhookConfigurationAsync(patch, options.ValidatingWebhook, cancellationToken: cancellationToken)));
        }

        return targets;
    }

    private static async Task<T?> ReadOrNullAsync<T>(Func<Task<T>> read)
        where T : class
    {
        try
        {
            return await read();
        }
        catch (HttpOperationException e) when (e.Response?.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    private static async Task<int> PatchBundleAsync(List<WebhookConfigurationTarget> configurations, string bundle)
    {
        var encoded = Convert.ToBase64String(Encoding.ASCII.GetBytes(bundle));
        var patched = 0;
        foreach (var configuration in configurations.Where(c => c.Webhooks is not null))
        {
            patched += await PatchStaleAsync(configuration.Webhooks, encoded, configuration.Patch);
        }

        return patched;
    }

    /// <summary>Patches the webhooks whose caBundle is not the bundle; returns how many.</summary>
    private static async Task<int> PatchStaleAsync(IEnumerable<Admissionregistrationv1WebhookClientConfig?>? clients, string encoded, Func<V1Patch, Task> patch)
    {
        var stale = clients?.Select((c, i) => (c, i)).Where(x => Convert.ToBase64String(x.c?.CaBundle ?? []) != encoded).Select(x => x.i).ToList() ?? [];
        if (stale.Count > 0)
        {
            await patch(BundlePatch(stale, encoded));
        }

        return stale.Count;
    }

    // "add" sets a member whether or not it exists (RFC 6902 4.1), so an empty caBundle is filled as well.
    private static V1Patch BundlePatch(IEnumerable<int> webhooks, string encoded) =>
        new("[" + string.Join(",", webhooks.Select(i => $$"""{"op":"add","path":"/webhooks/{{i}}/clientConfig/caBundle","value":"{{encoded}}"}""")) + "]", V1Patch.PatchType.JsonPatch);

    private async Task<V1Secret?> ReadSecretAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            return await client.CoreV1.ReadNamespacedSecretAsync(name, options.Namespace, cancellationToken: cancellationToken);
        }
        catch (HttpOperationException e) when (e.Response?.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>Creates the Secret, or replaces it with its resourceVersion so a concurrent writer gets 409 instead of losing an update.</summary>
    private async Task WriteSecretAsync(V1Secret? existing, string name, string type, Dictionary<string, string> data, CancellationToken cancellationToken)
    {
        var secret = new V1Secret
        {
            ApiVersion = "v1",
            Kind = "Secret",
            Type = existing?.Type ?? type,
            Metadata = new V1ObjectMeta
            {
                Name = name,
                NamespaceProperty = options.Namespace,
                ResourceVersion = existing?.Metadata?.ResourceVersion,
                Labels = existing?.Metadata?.Labels ?? new Dictionary<string, string> { ["app.kubernetes.io/managed-by"] = "rollout-deadline-guard" },
                Annotations = existing?.Metadata?.Annotations,
            },
            Data = data.ToDictionary(kv => kv.Key, kv => Encoding.ASCII.GetBytes(kv.Value)),
        };
        if (existing is null)
        {
            await client.CoreV1.CreateNamespacedSecretAsync(secret, options.Namespace, cancellationToken: cancellationToken);
        }
        else
        {
            await client.CoreV1.ReplaceNamespacedSecretAsync(secret, name, options.Namespace, cancellationToken: cancellationToken);
        }
    }

    private static string? Text(V1Secret? secret, string key) =>
        secret?.Data is { } data && data.TryGetValue(key, out var bytes) ? Encoding.ASCII.GetString(bytes) : null;

    private static bool TryReadPair(V1Secret secret, string certKey, string keyKey, out PemPair pair)
    {
        pair = null!;
        if (Text(secret, certKey) is not { } cert || Text(secret, keyKey) is not { } key)
        {
            return false;
        }

        try
        {
            using var _ = X509Certificate2.CreateFromPem(cert, key);
            pair = new PemPair(cert, key);
            return true;
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return false;
        }
    }

    [LoggerMessage(EventId = 30, Level = LogLevel.Information, Message = "Certificates in {Namespace}/{Secret}: CA created {CaCreated}, CA rotated {CaRotated}, serving certificate issued {Issued}, webhooks patched {Patched}; next check {NextCheck:o}")]
    private static partial void LogRotation(ILogger logger, string @namespace, string secret, bool caCreated, bool caRotated, bool issued, int patched, DateTimeOffset nextCheck);
}

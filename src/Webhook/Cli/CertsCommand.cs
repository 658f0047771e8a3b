using DeadlineGuard.Tls;
using FluentValidation;
using k8s;
using Microsoft.Extensions.Logging.Abstractions;

namespace DeadlineGuard.Cli;

/// <summary><c>webhook certs</c>: the self-managed certificate mode, run once (as a Helm hook Job).</summary>
public static class CertsCommand
{
    public const string Help = """
        Usage: webhook certs --namespace NS --service SVC --secret SECRET
                             --mutating-webhook NAME --validating-webhook NAME
                             [--webhook-configurations required|optional]
                             [--ca-validity-days 3650] [--cert-validity-days 365] [--renew-before-days 30]

        Self-managed certificates: creates (once) a CA in Secret SECRET-ca and a serving certificate for
        SVC.NS.svc in Secret SECRET (tls.crt, tls.key, ca.crt), writes the CA bundle into every webhook
        of both webhook configurations, and renews before expiry: a new CA joins the bundle before any
        certificate it signs is served, and the old CA stays until it expires. An unexpired certificate
        is left alone, so a Helm upgrade or an Argo CD sync never regenerates it.

        --webhook-configurations required (the default): a webhook configuration that does not exist is
        an error, reported before anything is written. optional: it is skipped and named in one line;
        for a Helm pre-install hook, which runs before Helm creates the configurations (run again after
        they exist, e.g. as a post-install hook, to write their caBundle).

        Kubernetes access: in-cluster service account, else KUBECONFIG or ~/.kube/config.

        Exit codes: 0 done, 1 the Kubernetes API failed or a required webhook configuration does not
        exist, 2 usage or configuration error.
        """;

    private const string WebhookConfigurationsFlag = "--webhook-configurations";

    private static readonly Dictionary<string, Action<CertsOptions, string>> Flags = new(StringComparer.Ordinal)
    {
        ["--namespace"] = (o, v) => o.Namespace = v,
        ["--service"] = (o, v) => o.ServiceName = v,
        ["--secret"] = (o, v) => o.SecretName = v,
        ["--mutating-webhook"] = (o, v) => o.MutatingWebhook = v,
        ["--validating-webhook"] = (o, v) => o.ValidatingWebhook = v,
        ["--ca-validity-days"] = (o, v) => o.CaValidityDays = int.Parse(v, System.Globalization.CultureInfo.InvariantCulture),
        ["--cert-validity-days"] = (o, v) => o.CertValidityDays = int.Parse(v, System.Globalization.CultureInfo.InvariantCulture),
        ["--renew-before-days"] = (o, v) => o.RenewBeforeDays = int.Parse(v, System.Globalization.CultureInfo.InvariantCulture),
    };

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, Func<IKubernetes>? client = null, TimeProvider? time = null)
    {
        if (args.Any(a => a is "--help" or "-h"))
        {
            await stdout.WriteLineAsync(Help);
            return Commands.Ok;
        }

        var options = new CertsOptions();
        var configurationsOptional = false;
        for (var i = 0; i < args.Length; i++)
        {
            var (flag, value) = args[i].Contains('=', StringComparison.Ordinal)
                ? (args[i][..args[i].IndexOf('=', StringComparison.Ordinal)], args[i][(args[i].IndexOf('=', StringComparison.Ordinal) + 1)..])
                : (args[i], i + 1 < args.Length ? args[++i] : null);
            if (flag == WebhookConfigurationsFlag && value is not null)
            {
                if (value is not ("required" or "optional"))
                {
                    await stderr.WriteLineAsync($"webhook certs: {WebhookConfigurationsFlag} must be required or optional, found '{value}'");
                    return Commands.Usage;
                }

                configurationsOptional = value == "optional";
                continue;
            }

            if (!Flags.TryGetValue(flag, out var set) || value is null)
            {
                await stderr.WriteLineAsync(value is null && (Flags.ContainsKey(flag) || flag == WebhookConfigurationsFlag) ? $"webhook certs: {flag} needs a value" : $"webhook certs: unknown option '{args[i]}'");
                await stderr.WriteLineAsync(Help);
                return Commands.Usage;
            }

            try
            {
                set(options, value);
            }
            catch (FormatException)
            {
                await stderr.WriteLineAsync($"webhook certs: {flag} must be a whole number of days, found '{value}'");
                return Commands.Usage;
            }
        }

        var problems = new CertsOptionsValidator().Validate(options);
        if (!problems.IsValid)
        {
            foreach (var problem in problems.Errors)
            {
                await stderr.WriteLineAsync($"webhook certs: {problem.ErrorMessage}");
            }

            return Commands.Usage;
        }

        IKubernetes kubernetes;
        try
        {
            kubernetes = client?.Invoke() ?? new Kubernetes(Hosting.KubernetesAccess.LoadConfiguration());
        }
        catch (Hosting.KubernetesAccessException e)
        {
            await stderr.WriteLineAsync($"webhook certs: {e.Message}");
            return Commands.Usage;
        }

        try
        {
            var rotator = new CertificateRotator(kubernetes, options, time ?? TimeProvider.System, NullLogger<CertificateRotator>.Instance);
            var result = await rotator.RotateAsync(CancellationToken.None, configurationsOptional);
            foreach (var missing in result.MissingWebhookConfigurations)
            {
                await stdout.WriteLineAsync($"webhook certs: {missing} does not exist yet, so its caBundle was not written; run again once it exists (the chart's post-install hook does)");
            }

            await stdout.WriteLineAsync(
                $"certificates for {options.ServiceName}.{options.Namespace}.svc: " +
                (result.Changed
                    ? $"CA {(result.CaCreated ? "created" : result.CaRotated ? "rotated" : "kept")}, serving certificate {(result.CertificateIssued ? "issued" : "kept")}, {result.WebhooksPatched} webhook CA bundles updated"
                    : "up to date, nothing changed") +
                $"; next check due {History.RevisionHistoryAnnotation.FormatTime(result.NextCheck)}");
            return Commands.Ok;
        }
        catch (WebhookConfigurationMissingException e)
        {
            await stderr.WriteLineAsync($"webhook certs: {e.Message}; create it first, or pass {WebhookConfigurationsFlag} optional where it cannot exist yet (a Helm pre-install hook)");
            return Commands.Failed;
        }
        catch (Exception e) when (e is k8s.Autorest.HttpOperationException or HttpRequestException)
        {
            var detail = e is k8s.Autorest.HttpOperationException h ? $"{(int?)h.Response?.StatusCode} {h.Response?.Content}" : e.Message;
            await stderr.WriteLineAsync($"webhook certs: the Kubernetes API failed: {detail}");
            return Commands.Failed;
        }
        finally
        {
            if (client is null)
            {
                kubernetes.Dispose();
            }
        }
    }
}

public sealed class CertsOptionsValidator : AbstractValidator<CertsOptions>
{
    public CertsOptionsValidator()
    {
        RuleFor(o => o.Namespace).NotEmpty().WithMessage("--namespace (Certs:Namespace) is required");
        RuleFor(o => o.ServiceName).NotEmpty().WithMessage("--service (Certs:ServiceName) is required");
        RuleFor(o => o.SecretName).NotEmpty().WithMessage("--secret (Certs:SecretName) is required");
        RuleFor(o => o).Must(o => o.MutatingWebhook.Length > 0 || o.ValidatingWebhook.Length > 0)
            .WithMessage("name at least one webhook configuration: --mutating-webhook or --validating-webhook");
        RuleFor(o => o.CertValidityDays).InclusiveBetween(1, 3650).WithMessage(o => $"--cert-validity-days must be 1 to 3650, found {o.CertValidityDays}");
        RuleFor(o => o.CaValidityDays).GreaterThanOrEqualTo(o => o.CertValidityDays).WithMessage("--ca-validity-days must not be shorter than --cert-validity-days");
        RuleFor(o => o.RenewBeforeDays).GreaterThan(0).LessThan(o => o.CertValidityDays)
            .WithMessage("--renew-before-days must be above 0 and below --cert-validity-days");
    }
}

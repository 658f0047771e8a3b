using System.CommandLine;
using DeadlineGuard.Tls;
using k8s;
using Microsoft.Extensions.Logging.Abstractions;

namespace DeadlineGuard.Cli;

/// <summary><c>webhook certs</c>: the self-managed certificate mode, run once (as a Helm hook Job).</summary>
public static class CertsCommand
{
    public const string Name = "certs";

    private const string Required = "required";
    private const string Optional = "optional";

    public static DocumentedCommand Create(CommandContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var defaults = new CertsOptions();
        var ns = CliOptions.Text("--namespace", "NS", "namespace of the Service and the Secrets");
        var service = CliOptions.Text("--service", "SVC", "the webhook's Service; the certificate is for SVC.NS.svc");
        var secret = CliOptions.Text("--secret", "SECRET", "the serving certificate's Secret (tls.crt, tls.key, ca.crt); the CA's is SECRET-ca");
        var mutating = CliOptions.Text("--mutating-webhook", "NAME", "the MutatingWebhookConfiguration whose webhooks get the CA bundle");
        var validating = CliOptions.Text("--validating-webhook", "NAME", "the ValidatingWebhookConfiguration whose webhooks get the CA bundle");
        var configurations = CliOptions.Choice(
            CliOptions.Text("--webhook-configurations", "WHETHER", "whether the webhook configurations must exist (default required; see below)"),
            Required,
            Optional);
        var caDays = CliOptions.WholeNumber("--ca-validity-days", "days", $"how long a new CA is valid (default {defaults.CaValidityDays})");
        var certDays = CliOptions.WholeNumber("--cert-validity-days", "days", $"how long a new serving certificate is valid (default {defaults.CertValidityDays})");
        var renewDays = CliOptions.WholeNumber("--renew-before-days", "days", $"renew this long before expiry (default {defaults.RenewBeforeDays})");
        var command = new DocumentedCommand(Name, "create or renew the self-managed webhook certificates and CA bundles")
        {
            Details = """
                Self-managed certificates: creates (once) a CA in Secret SECRET-ca and a serving certificate for
                SVC.NS.svc in Secret SECRET (tls.crt, tls.key, ca.crt), writes the CA bundle into every webhook
                of both webhook configurations, and renews before expiry: a new CA joins the bundle before any
                certificate it signs is served, and the old CA stays until it expires. An unexpired certificate
                is left alone, so a Helm upgrade or an Argo CD sync never regenerates it.
                """,
            Notes = """
                --webhook-configurations required (the default): a webhook configuration that does not exist is
                an error, reported before anything is written. optional: it is skipped and named in one line;
                for a Helm pre-install hook, which runs before Helm creates the configurations (run again after
                they exist, e.g. as a post-install hook, to write their caBundle).

                Kubernetes access: in-cluster service account, else KUBECONFIG or ~/.kube/config.

                Exit codes: 0 done, 1 the Kubernetes API failed or a required webhook configuration does not
                exist, 2 usage or configuration error.
                """,
        };
        foreach (var option in new Option[] { ns, service, secret, mutating, validating, configurations, caDays, certDays, renewDays })
        {
            command.Options.Add(option);
        }

        command.SetAction(parse =>
        {
            var options = new CertsOptions
            {
                Namespace = parse.GetValue(ns) ?? string.Empty,
                ServiceName = parse.GetValue(service) ?? string.Empty,
                SecretName = parse.GetValue(secret) ?? string.Empty,
                MutatingWebhook = parse.GetValue(mutating) ?? string.Empty,
                ValidatingWebhook = parse.GetValue(validating) ?? string.Empty,
                CaValidityDays = parse.GetValue(caDays) ?? defaults.CaValidityDays,
                CertValidityDays = parse.GetValue(certDays) ?? defaults.CertValidityDays,
                RenewBeforeDays = parse.GetValue(renewDays) ?? defaults.RenewBeforeDays,
            };
            return RunAsync(options, parse.GetValue(configurations) == Optional, context);
        });
        return command;
    }

    /// <summary>Runs <c>certs</c> with these arguments (tests: a client for the fake API server and a fake clock).</summary>
    public static Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, Func<IKubernetes>? client = null, TimeProvider? time = null) =>
        CommandLine.RunAsync(
            [Name, .. args],
            new CommandContext(TextReader.Null, stdout, stderr, ProgramName.Default) { Kubernetes = client, Time = time ?? TimeProvider.System });

    private static async Task<int> RunAsync(CertsOptions options, bool configurationsOptional, CommandContext context)
    {
        var named = context.Named(Name);
        var (stdout, stderr, client, time) = (context.Out, context.Error, context.Kubernetes, context.Time);
        var problems = new CertsOptionsValidator().Validate(options);
        if (!problems.IsValid)
        {
            foreach (var problem in problems.Errors)
            {
                await stderr.WriteLineAsync($"{named}: {problem.ErrorMessage}");
            }

            return Commands.Usage;
        }

        IKubernetes kubernetes;
        try
        {
            kubernetes = client?.Invoke() ?? new Kubernetes(ClusterAccess.KubernetesAccess.LoadConfiguration());
        }
        catch (ClusterAccess.KubernetesAccessException e)
        {
            await stderr.WriteLineAsync($"{named}: {e.Message}");
            return Commands.Usage;
        }

        try
        {
            var rotator = new CertificateRotator(kubernetes, options, time, NullLogger<CertificateRotator>.Instance);
            var result = await rotator.RotateAsync(CancellationToken.None, configurationsOptional);
            foreach (var missing in result.MissingWebhookConfigurations)
            {
                await stdout.WriteLineAsync($"{named}: {missing} does not exist yet, so its caBundle was not written; run again once it exists (the chart's post-install hook does)");
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
            await stderr.WriteLineAsync($"{named}: {e.Message}; create it first, or pass --webhook-configurations optional where it cannot exist yet (a Helm pre-install hook)");
            return Commands.Failed;
        }
        catch (Exception e) when (e is k8s.Autorest.HttpOperationException or HttpRequestException)
        {
            var detail = e is k8s.Autorest.HttpOperationException h ? $"{(int?)h.Response?.StatusCode} {h.Response?.Content}" : e.Message;
            await stderr.WriteLineAsync($"{named}: the Kubernetes API failed: {detail}");
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

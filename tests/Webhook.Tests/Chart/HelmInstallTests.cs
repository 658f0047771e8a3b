using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using DeadlineGuard.Cli;
using DeadlineGuard.Tests.Support.FakeKube;
using DeadlineGuard.Tls;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace DeadlineGuard.Tests.Chart;

/// <summary>
/// The chart as Helm installs, upgrades and uninstalls it: the objects the real helm renders, played in Helm's order
/// by <see cref="HelmDouble"/> against the fake API server (404 for what does not exist yet, 403 for what RBAC does
/// not grant), with the certificate Jobs running the real `webhook certs` and the pre-delete Job a kubectl double.
/// </summary>
public sealed class HelmInstallTests : IAsyncLifetime
{
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 11, 27, 10, 0, 0, TimeSpan.Zero));
    private readonly StringBuilder podOutput = new();
    private FakeKubeApiServer api = null!;
    private HelmDouble helm = null!;

    public async Task InitializeAsync()
    {
        api = await FakeKubeApiServer.StartAsync(clock);
        HelmDouble.RegisterKinds(api);
        helm = new HelmDouble(api, RunPodAsync);
    }

    public async Task DisposeAsync() => await api.DisposeAsync();

    /// <summary>A Job's pod: the image's program for `certs`, the kubectl double for the pre-delete Job.</summary>
    private async Task<int> RunPodAsync(JobPod pod)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = pod.Args switch
        {
            ["certs", .. var rest] => await CertsCommand.RunAsync([.. rest], stdout, stderr, () => api.Client, clock),
            ["delete", ..] => await KubectlDeleteDouble.RunAsync(api, pod.Args, pod.Namespace, stdout),
            _ => throw new NotSupportedException($"no program for the container args {string.Join(' ', pod.Args)}"),
        };
        podOutput.Append(stdout).Append(stderr);
        return exit;
    }

    public static TheoryData<string> SelfManagedInstalls => new("selfManaged", "long-selfManaged");

    [SkippableTheory]
    [MemberData(nameof(SelfManagedInstalls))]
    public async Task A_fresh_selfManaged_install_succeeds_at_the_first_attempt_with_a_usable_caBundle_in_every_webhook(string configuration)
    {
        var chart = RenderedChart.Of(configuration);

        await helm.InstallAsync(chart);

        helm.Log.Where(l => l.Contains(": pod ", StringComparison.Ordinal)).ShouldAllBe(l => l.EndsWith(": pod 1 exited 0", StringComparison.Ordinal), podOutput.ToString());
        helm.Log.Count(l => l.Contains(": pod 1 exited 0", StringComparison.Ordinal)).ShouldBe(2, "the certificate Job runs at pre-install and again at post-install");
        CaBundleProblems(chart).ShouldBeEmpty();
        podOutput.ToString().ShouldContain("does not exist yet");
        await ReconcilerLeaderFindsNothingToDoAsync(chart);
    }

    [SkippableFact]
    public async Task A_webhook_configuration_missing_at_post_install_fails_the_install_instead_of_leaving_it_without_a_caBundle()
    {
        var chart = RenderedChart.Of("selfManaged");
        var validating = chart.OfKind("ValidatingWebhookConfiguration").Single();
        helm.AfterReleaseObjects = () => api.Delete("validatingwebhookconfigurations", null, validating.Name);

        var failure = await Should.ThrowAsync<HelmFailedException>(() => helm.InstallAsync(chart));

        failure.Message.ShouldStartWith("failed post-install: warning: Hook post-install rollout-deadline-guard/templates/job-certs.yaml failed");
        podOutput.ToString().ShouldContain($"ValidatingWebhookConfiguration {validating.Name} not found");
    }

    [SkippableFact]
    public async Task The_pre_install_Job_makes_both_Secrets_before_any_webhook_configuration_exists()
    {
        var chart = RenderedChart.Of("selfManaged");
        var secretsAtRelease = new List<string>();
        helm.AfterReleaseObjects = () => secretsAtRelease.AddRange(api.List("secrets").Select(s => s["metadata"]!["name"]!.GetValue<string>()));

        await helm.InstallAsync(chart);

        var serving = TlsSecretName(chart);
        secretsAtRelease.ShouldBe([serving, serving + "-ca"], ignoreOrder: true);
    }

    [SkippableFact]
    public async Task An_upgrade_keeps_the_caBundle_Helm_does_not_render_and_a_CA_rotated_at_pre_upgrade_is_trusted_throughout()
    {
        var shortLived = ChartConfiguration.SelfManaged.With("selfManaged-short-lived", Values("""
            {"certificates": {"selfManaged": {"caValidityDays": 400, "certValidityDays": 90, "renewBeforeDays": 30}}}
            """));
        var upgraded = shortLived.With("selfManaged-short-lived-upgraded", Values("""{"webhook": {"timeoutSeconds": 3}}"""));
        var before = RenderedChart.Of(shortLived);
        var after = RenderedChart.Of(upgraded);
        await helm.InstallAsync(before);
        var oldCa = SecretText(TlsSecretName(before) + "-ca", "tls.crt");
        clock.Advance(TimeSpan.FromDays(371)); // the CA has 29 days left: the pre-upgrade Job rotates it
        var problemsOnceApplied = new List<string>();
        helm.AfterReleaseObjects = () => problemsOnceApplied.AddRange(CaBundleProblems(after));

        await helm.UpgradeAsync(before, after);

        problemsOnceApplied.ShouldBeEmpty("Helm re-applied the webhook configurations: the caBundle written at pre-upgrade must survive it");
        CaBundleProblems(after).ShouldBeEmpty();
        var newCa = SecretText(TlsSecretName(after) + "-ca", "tls.crt");
        newCa.ShouldNotBe(oldCa);
        foreach (var bundle in Bundles(after))
        {
            Pems(bundle).Select(c => c.ExportCertificatePem().Trim()).ShouldBe([oldCa.Trim(), newCa.Trim()]);
        }

        WebhookConfiguration(after, "ValidatingWebhookConfiguration")["webhooks"]![0]!["timeoutSeconds"]!.GetValue<int>().ShouldBe(3);
    }

    [SkippableFact]
    public async Task An_upgrade_with_nothing_to_renew_changes_no_certificate()
    {
        var chart = RenderedChart.Of("selfManaged");
        await helm.InstallAsync(chart);
        var leaf = SecretText(TlsSecretName(chart), "tls.crt");
        clock.Advance(TimeSpan.FromDays(100));

        await helm.UpgradeAsync(chart, chart);

        SecretText(TlsSecretName(chart), "tls.crt").ShouldBe(leaf);
        CaBundleProblems(chart).ShouldBeEmpty();
    }

    [SkippableFact]
    public async Task Switching_from_existingSecret_to_selfManaged_ends_with_a_usable_caBundle_although_Helm_drops_the_one_it_rendered()
    {
        var before = RenderedChart.Of("existingSecret");
        var after = RenderedChart.Of("selfManaged");
        await helm.InstallAsync(before);
        var droppedOnApply = false;
        helm.AfterReleaseObjects = () => droppedOnApply = CaBundleProblems(after).Any(p => p.EndsWith(": no caBundle", StringComparison.Ordinal));

        await helm.UpgradeAsync(before, after);

        // The previous release rendered caBundle and this one does not, so Helm's update removes it (client-side
        // three-way merge; server-side apply keeps it when the pre-upgrade Job's patch took it over): the
        // post-upgrade Job writes it back either way.
        droppedOnApply.ShouldBeTrue();
        CaBundleProblems(after).ShouldBeEmpty();
    }

    [SkippableFact]
    public async Task Uninstall_removes_the_webhook_configurations_first_and_both_Secrets_the_certificate_Job_made()
    {
        var chart = RenderedChart.Of("selfManaged");
        await helm.InstallAsync(chart);

        await helm.UninstallAsync(chart);

        api.List("secrets").ShouldBeEmpty();
        api.List("mutatingwebhookconfigurations").ShouldBeEmpty();
        api.List("validatingwebhookconfigurations").ShouldBeEmpty();
        var preDelete = helm.Log.TakeWhile(l => !l.StartsWith("uninstall:", StringComparison.Ordinal)).ToList();
        preDelete.ShouldContain(l => l.Contains("pre-delete") && l.Contains(": pod 1 exited 0"), string.Join('\n', helm.Log) + podOutput);
        api.List("deployments").ShouldBeEmpty();
    }

    [SkippableFact]
    public async Task The_installs_in_every_certificate_mode_create_only_valid_objects()
    {
        foreach (var configuration in new[] { "certManager", "existingSecret", "long-certManager", "long-existingSecret", "everything", "minimal" })
        {
            await using var cluster = await FakeKubeApiServer.StartAsync(clock);
            HelmDouble.RegisterKinds(cluster);
            var chart = RenderedChart.Of(configuration);
            var double_ = new HelmDouble(cluster, pod => pod.Args is ["certs", .. var rest]
                ? CertsCommand.RunAsync([.. rest], TextWriter.Null, TextWriter.Null, () => cluster.Client, clock)
                : KubectlDeleteDouble.RunAsync(cluster, pod.Args, pod.Namespace, TextWriter.Null));

            await Should.NotThrowAsync(() => double_.InstallAsync(chart), configuration);
        }
    }

    /// <summary>The reconciler's leader, run once as the chart configures it and as its ServiceAccount: nothing to renew right after install.</summary>
    private async Task ReconcilerLeaderFindsNothingToDoAsync(RenderedChart chart)
    {
        var deployment = chart.OfKind("Deployment").Single(d => d.Name.EndsWith("-reconciler", StringComparison.Ordinal));
        var options = new CertsOptions();
        foreach (var arg in deployment.Args.Where(a => a.StartsWith("--Certs:", StringComparison.Ordinal)))
        {
            var (key, value) = (arg["--Certs:".Length..arg.IndexOf('=', StringComparison.Ordinal)], arg[(arg.IndexOf('=', StringComparison.Ordinal) + 1)..]);
            typeof(CertsOptions).GetProperty(key)!.SetValue(options, key == "Enabled" ? bool.Parse(value) : value);
        }

        options.Enabled.ShouldBeTrue();
        api.Authorizer = new RbacAuthorizer(api, chart.Configuration.Namespace, deployment.PodSpec!["serviceAccountName"]!.GetValue<string>()).Refusal;
        try
        {
            var result = await new CertificateRotator(api.Client, options, clock, NullLogger<CertificateRotator>.Instance).RotateAsync(CancellationToken.None);
            result.Changed.ShouldBeFalse();
        }
        finally
        {
            api.Authorizer = null;
        }
    }

    /// <summary>
    /// Why the API server could not call the webhooks: for each webhook of both configurations, its caBundle must hold
    /// a CA that the certificate in the Secret the webhook pods mount chains to, and that certificate must name
    /// SERVICE.NAMESPACE.svc from the webhook's clientConfig (the name the API server dials).
    /// </summary>
    private List<string> CaBundleProblems(RenderedChart chart)
    {
        var problems = new List<string>();
        var secret = api.Get("secrets", chart.Configuration.Namespace, TlsSecretName(chart));
        if (secret is null)
        {
            return [$"the Secret {TlsSecretName(chart)} the webhook pods mount does not exist"];
        }

        using var leaf = X509Certificate2.CreateFromPem(Text(secret, "tls.crt"), Text(secret, "tls.key"));
        foreach (var kind in new[] { "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration" })
        {
            var configuration = WebhookConfiguration(chart, kind);
            foreach (var webhook in configuration["webhooks"]!.AsArray())
            {
                var client = webhook!["clientConfig"]!;
                var host = $"{client["service"]!["name"]!.GetValue<string>()}.{client["service"]!["namespace"]!.GetValue<string>()}.svc";
                if (client["caBundle"]?.GetValue<string>() is not { Length: > 0 } encoded)
                {
                    problems.Add($"{kind} {webhook["name"]}: no caBundle");
                    continue;
                }

                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.AddRange(Pems(Encoding.ASCII.GetString(Convert.FromBase64String(encoded))));
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                chain.ChainPolicy.VerificationTime = clock.GetUtcNow().UtcDateTime;
                if (!chain.Build(leaf))
                {
                    problems.Add($"{kind} {webhook["name"]}: the serving certificate does not chain to the caBundle ({string.Join(", ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()))})");
                }

                if (!leaf.MatchesHostname(host, allowWildcards: false, allowCommonName: false))
                {
                    problems.Add($"{kind} {webhook["name"]}: the serving certificate does not name {host}");
                }
            }
        }

        return problems;
    }

    private IEnumerable<string> Bundles(RenderedChart chart) =>
        new[] { "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration" }
            .SelectMany(kind => WebhookConfiguration(chart, kind)["webhooks"]!.AsArray())
            .Select(w => Encoding.ASCII.GetString(Convert.FromBase64String(w!["clientConfig"]!["caBundle"]!.GetValue<string>())));

    private JsonObject WebhookConfiguration(RenderedChart chart, string kind) =>
        helm.Live(chart.OfKind(kind).Single().Body) ?? throw new InvalidOperationException($"{kind} does not exist");

    /// <summary>The Secret the webhook Deployment mounts (its projected volume's secret source).</summary>
    private static string TlsSecretName(RenderedChart chart) =>
        chart.OfKind("Deployment").Single(d => d.Name.EndsWith("-webhook", StringComparison.Ordinal)).PodSpec!["volumes"]!.AsArray()
            .SelectMany(v => v!["projected"]?["sources"]?.AsArray() ?? [])
            .Select(s => s!["secret"]?["name"]?.GetValue<string>())
            .Single(n => n is not null)!;

    private string SecretText(string name, string key) => Text(api.Get("secrets", "deadline-guard", name)!, key);

    private static string Text(JsonObject secret, string key) =>
        Encoding.ASCII.GetString(Convert.FromBase64String(secret["data"]![key]!.GetValue<string>()));

    private static X509Certificate2Collection Pems(string pem)
    {
        var collection = new X509Certificate2Collection();
        collection.ImportFromPem(pem);
        return collection;
    }

    private static JsonObject Values(string json) => JsonNode.Parse(json)!.AsObject();
}

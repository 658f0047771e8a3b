using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using DeadlineGuard.Cli;
using DeadlineGuard.Tests.Support;
using DeadlineGuard.Tests.Support.FakeKube;
using DeadlineGuard.Tls;
using Microsoft.Extensions.Time.Testing;

namespace DeadlineGuard.Tests.Tls;

public sealed class CertsCommandTests : IAsyncLifetime
{
    private const string Ns = "deadline-guard";
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 27, 10, 0, 0, TimeSpan.Zero));
    private FakeKubeApiServer _api = null!;

    private static readonly string[] Args =
    [
        "--namespace", Ns, "--service", "rdg-webhook", "--secret", "rdg-tls",
        "--mutating-webhook", "rdg-mutating", "--validating-webhook", "rdg-validating",
        "--ca-validity-days", "400", "--cert-validity-days", "90", "--renew-before-days", "30",
    ];

    public async Task InitializeAsync()
    {
        _api = await FakeKubeApiServer.StartAsync(_clock);
        _api.Seed(WebhookConfiguration("MutatingWebhookConfiguration", "rdg-mutating", "mutate.deadline-guard.io"));
        _api.Seed(WebhookConfiguration("ValidatingWebhookConfiguration", "rdg-validating", "validate.deadline-guard.io", "validate-2.deadline-guard.io"));
    }

    public async Task DisposeAsync() => await _api.DisposeAsync();

    private static JsonObject WebhookConfiguration(string kind, string name, params string[] webhooks) => new()
    {
        ["apiVersion"] = "admissionregistration.k8s.io/v1",
        ["kind"] = kind,
        ["metadata"] = new JsonObject { ["name"] = name },
        ["webhooks"] = new JsonArray(webhooks.Select(w => (JsonNode)new JsonObject
        {
            ["name"] = w,
            ["clientConfig"] = new JsonObject { ["service"] = new JsonObject { ["name"] = "rdg-webhook", ["namespace"] = Ns, ["path"] = "/validate" } },
            ["sideEffects"] = "None",
            ["admissionReviewVersions"] = new JsonArray("v1"),
        }).ToArray()),
    };

    private async Task<(int Exit, string Out, string Err)> Certs(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await CertsCommand.RunAsync(args, output, error, () => _api.Client, _clock);
        return (exit, output.ToString(), error.ToString());
    }

    private string SecretText(string name, string key) =>
        Encoding.ASCII.GetString(Convert.FromBase64String(_api.Get("secrets", Ns, name)!["data"]![key]!.GetValue<string>()));

    private IEnumerable<string> Bundles() =>
        new[] { "mutatingwebhookconfigurations", "validatingwebhookconfigurations" }
            .SelectMany(kind => _api.Get(kind, null, kind.StartsWith('m') ? "rdg-mutating" : "rdg-validating")!["webhooks"]!.AsArray())
            .Select(w => Encoding.ASCII.GetString(Convert.FromBase64String(w!["clientConfig"]!["caBundle"]!.GetValue<string>())));

    private static X509Certificate2Collection Pems(string pem)
    {
        var collection = new X509Certificate2Collection();
        collection.ImportFromPem(pem);
        return collection;
    }

    private int Writes() => _api.Requests.Count(r => r.Method is "POST" or "PUT" or "PATCH");

    [Fact]
    public async Task A_first_run_creates_the_CA_and_a_serving_certificate_for_the_service_and_fills_every_ca_bundle()
    {
        var (exit, output, error) = await Certs(Args);

        exit.ShouldBe(Commands.Ok, error);
        output.ShouldContain("CA created, serving certificate issued, 3 webhook CA bundles updated");
        var ca = SecretText("rdg-tls-ca", "tls.crt");
        using var leaf = X509Certificate2.CreateFromPem(SecretText("rdg-tls", "tls.crt"), SecretText("rdg-tls", "tls.key"));
        leaf.HasPrivateKey.ShouldBeTrue();
        leaf.MatchesHostname("rdg-webhook.deadline-guard.svc").ShouldBeTrue();
        using var caCertificate = X509Certificate2.CreateFromPem(ca);
        CertificateAuthority.Fits(leaf, caCertificate, ["rdg-webhook.deadline-guard.svc"]).ShouldBeTrue();
        _api.Get("secrets", Ns, "rdg-tls")!["type"]!.GetValue<string>().ShouldBe("kubernetes.io/tls");
        SecretText("rdg-tls", "ca.crt").Trim().ShouldBe(ca.Trim());
        Bundles().ShouldAllBe(b => b.Trim() == ca.Trim());
        Bundles().Count().ShouldBe(3);
    }

    [Fact]
    public async Task A_second_run_with_an_unexpired_certificate_changes_nothing()
    {
        await Certs(Args);
        var writes = Writes();
        var leaf = SecretText("rdg-tls", "tls.crt");
        _clock.Advance(TimeSpan.FromDays(30));

        var (exit, output, _) = await Certs(Args);

        exit.ShouldBe(Commands.Ok);
        output.ShouldContain("up to date, nothing changed");
        Writes().ShouldBe(writes);
        SecretText("rdg-tls", "tls.crt").ShouldBe(leaf);
    }

    [Fact]
    public async Task A_serving_certificate_near_expiry_is_renewed_by_the_same_CA()
    {
        await Certs(Args);
        var ca = SecretText("rdg-tls-ca", "tls.crt");
        var oldLeaf = SecretText("rdg-tls", "tls.crt");
        _clock.Advance(TimeSpan.FromDays(61)); // 29 days left of 90

        var (exit, output, _) = await Certs(Args);

        exit.ShouldBe(Commands.Ok);
        output.ShouldContain("CA kept, serving certificate issued, 0 webhook CA bundles updated");
        SecretText("rdg-tls", "tls.crt").ShouldNotBe(oldLeaf);
        SecretText("rdg-tls-ca", "tls.crt").ShouldBe(ca);
        Bundles().ShouldAllBe(b => b.Trim() == ca.Trim());
    }

    [Fact]
    public async Task A_CA_near_expiry_is_rotated_keeping_old_and_new_CA_in_every_bundle()
    {
        await Certs(Args);
        var oldCa = SecretText("rdg-tls-ca", "tls.crt");
        _clock.Advance(TimeSpan.FromDays(371)); // the CA has 29 days left

        var (exit, output, _) = await Certs(Args);

        exit.ShouldBe(Commands.Ok);
        output.ShouldContain("CA rotated, serving certificate issued, 3 webhook CA bundles updated");
        var newCa = SecretText("rdg-tls-ca", "tls.crt");
        newCa.ShouldNotBe(oldCa);
        foreach (var bundle in Bundles().Append(SecretText("rdg-tls", "ca.crt")))
        {
            var certificates = Pems(bundle);
            certificates.Count.ShouldBe(2);
            certificates.Select(c => c.ExportCertificatePem().Trim()).ShouldBe([oldCa.Trim(), newCa.Trim()]);
        }

        using var leaf = X509Certificate2.CreateFromPem(SecretText("rdg-tls", "tls.crt"));
        using var caCertificate = X509Certificate2.CreateFromPem(newCa);
        CertificateAuthority.Fits(leaf, caCertificate, ["rdg-webhook.deadline-guard.svc"]).ShouldBeTrue();
    }

    [Fact]
    public async Task The_old_CA_leaves_the_bundle_once_it_has_expired()
    {
        await Certs(Args);
        _clock.Advance(TimeSpan.FromDays(371));
        await Certs(Args);
        _clock.Advance(TimeSpan.FromDays(30)); // the old CA expired at day 400

        await Certs(Args);

        Bundles().ShouldAllBe(b => Pems(b).Count == 1);
    }

    [Fact]
    public async Task A_missing_webhook_configuration_is_an_error_by_default_naming_it_and_nothing_is_written()
    {
        _api.Delete("validatingwebhookconfigurations", null, "rdg-validating");

        var (exit, _, error) = await Certs(Args);

        exit.ShouldBe(Commands.Failed);
        error.Trim().Split('\n').Length.ShouldBe(1, error);
        error.ShouldContain("ValidatingWebhookConfiguration rdg-validating not found");
        error.ShouldContain("--webhook-configurations optional");
        Writes().ShouldBe(0);
        _api.List("secrets").ShouldBeEmpty();
    }

    [Fact]
    public async Task Before_the_configurations_exist_an_optional_run_makes_both_Secrets_says_so_and_the_next_run_fills_every_bundle()
    {
        var mutating = _api.Get("mutatingwebhookconfigurations", null, "rdg-mutating")!;
        var validating = _api.Get("validatingwebhookconfigurations", null, "rdg-validating")!;
        _api.Delete("mutatingwebhookconfigurations", null, "rdg-mutating");
        _api.Delete("validatingwebhookconfigurations", null, "rdg-validating");

        var (exit, output, error) = await Certs([.. Args, "--webhook-configurations", "optional"]);

        exit.ShouldBe(Commands.Ok, error);
        output.ShouldContain("MutatingWebhookConfiguration rdg-mutating does not exist yet");
        output.ShouldContain("ValidatingWebhookConfiguration rdg-validating does not exist yet");
        output.ShouldContain("CA created, serving certificate issued, 0 webhook CA bundles updated");
        _api.Get("secrets", Ns, "rdg-tls").ShouldNotBeNull();
        _api.Get("secrets", Ns, "rdg-tls-ca").ShouldNotBeNull();

        // Helm creates the configurations (with no caBundle), then runs the post-install hook.
        _api.Seed(Fresh(mutating));
        _api.Seed(Fresh(validating));
        var leaf = SecretText("rdg-tls", "tls.crt");
        (exit, output, error) = await Certs(Args);

        exit.ShouldBe(Commands.Ok, error);
        output.ShouldContain("CA kept, serving certificate kept, 3 webhook CA bundles updated");
        SecretText("rdg-tls", "tls.crt").ShouldBe(leaf);
        Bundles().ShouldAllBe(b => b.Trim() == SecretText("rdg-tls-ca", "tls.crt").Trim());
    }

    [Fact]
    public async Task A_run_stopped_after_the_CA_Secret_is_finished_by_the_next_run()
    {
        // The pass dies creating the serving Secret, after it wrote the CA Secret and the bundles.
        _api.Authorizer = r => r.Method == "POST" && r.Body.Contains("\"name\":\"rdg-tls\"", StringComparison.Ordinal) ? "refused once" : null;
        var (first, _, _) = await Certs(Args);
        _api.Authorizer = null;
        _api.Get("secrets", Ns, "rdg-tls-ca").ShouldNotBeNull();
        _api.Get("secrets", Ns, "rdg-tls").ShouldBeNull();

        var (second, output, error) = await Certs(Args);

        first.ShouldBe(Commands.Failed);
        second.ShouldBe(Commands.Ok, error);
        output.ShouldContain("CA kept, serving certificate issued");
        using var leaf = X509Certificate2.CreateFromPem(SecretText("rdg-tls", "tls.crt"));
        using var ca = X509Certificate2.CreateFromPem(SecretText("rdg-tls-ca", "tls.crt"));
        CertificateAuthority.Fits(leaf, ca, ["rdg-webhook.deadline-guard.svc"]).ShouldBeTrue();
        Bundles().ShouldAllBe(b => b.Trim() == SecretText("rdg-tls-ca", "tls.crt").Trim());
    }

    [Fact]
    public async Task A_long_service_and_namespace_get_a_certificate_whose_subject_fits_RFC_5280()
    {
        const string longNs = "platform-deadline-guard-production";
        const string longService = "deadline-guard-staging-eu-west-rollout-deadl";

        var (exit, _, error) = await Certs("--namespace", longNs, "--service", longService, "--secret", "rdg-tls", "--mutating-webhook", "rdg-mutating");

        exit.ShouldBe(Commands.Ok, error);
        var pem = Encoding.ASCII.GetString(Convert.FromBase64String(_api.Get("secrets", longNs, "rdg-tls")!["data"]!["tls.crt"]!.GetValue<string>()));
        using var leaf = X509Certificate2.CreateFromPem(pem);
        leaf.GetNameInfo(X509NameType.SimpleName, forIssuer: false).Length.ShouldBeLessThanOrEqualTo(64); // ub-common-name
        leaf.MatchesHostname($"{longService}.{longNs}.svc", allowWildcards: false, allowCommonName: false).ShouldBeTrue();
    }

    [Fact]
    public async Task Deleting_the_CA_Secret_rotates_the_CA_keeping_the_old_one_trusted_until_the_bundle_is_trimmed()
    {
        // The procedure in docs/operations.md, "Rotating the CA".
        await Certs(Args);
        var oldCa = SecretText("rdg-tls-ca", "tls.crt");
        using var oldLeaf = X509Certificate2.CreateFromPem(SecretText("rdg-tls", "tls.crt"));

        // 1. Delete the CA Secret; 2. run the pre-upgrade Job (helm upgrade).
        _api.Delete("secrets", Ns, "rdg-tls-ca");
        var (exit, output, error) = await Certs(Args);

        exit.ShouldBe(Commands.Ok, error);
        output.ShouldContain("CA created, serving certificate issued, 3 webhook CA bundles updated");
        var newCa = SecretText("rdg-tls-ca", "tls.crt");
        newCa.ShouldNotBe(oldCa);
        foreach (var bundle in Bundles().Append(SecretText("rdg-tls", "ca.crt")))
        {
            // the pods that still serve the old certificate stay trusted until they load the new one
            Pems(bundle).Select(c => c.ExportCertificatePem().Trim()).ShouldBe([oldCa.Trim(), newCa.Trim()]);
        }

        using (var newLeaf = X509Certificate2.CreateFromPem(SecretText("rdg-tls", "tls.crt")))
        using (var newCaCertificate = X509Certificate2.CreateFromPem(newCa))
        using (var oldCaCertificate = X509Certificate2.CreateFromPem(oldCa))
        {
            CertificateAuthority.Fits(newLeaf, newCaCertificate, ["rdg-webhook.deadline-guard.svc"]).ShouldBeTrue();
            CertificateAuthority.Fits(oldLeaf, oldCaCertificate, ["rdg-webhook.deadline-guard.svc"]).ShouldBeTrue();
        }

        // 3. Once every pod serves the new certificate, trim the CA Secret's bundle to the new CA and run again.
        _api.Modify("secrets", Ns, "rdg-tls-ca", secret => secret["data"]!["ca.crt"] = secret["data"]!["tls.crt"]!.DeepClone());
        var leaf = SecretText("rdg-tls", "tls.crt");
        (exit, output, error) = await Certs(Args);

        exit.ShouldBe(Commands.Ok, error);
        output.ShouldContain("CA kept, serving certificate kept, 3 webhook CA bundles updated");
        Bundles().Append(SecretText("rdg-tls", "ca.crt")).ShouldAllBe(b => b.Trim() == newCa.Trim());
        SecretText("rdg-tls", "tls.crt").ShouldBe(leaf);
    }

    private static JsonObject Fresh(JsonObject stored)
    {
        var copy = (JsonObject)stored.DeepClone();
        var meta = copy["metadata"]!.AsObject();
        foreach (var field in new[] { "uid", "resourceVersion", "creationTimestamp" })
        {
            meta.Remove(field);
        }

        return copy;
    }

    [Fact]
    public async Task An_API_failure_exits_one_with_the_reason()
    {
        _api.FailNext(1, 403, "/secrets");

        var (exit, _, error) = await Certs(Args);

        exit.ShouldBe(Commands.Failed);
        error.ShouldContain("the Kubernetes API failed: 403");
    }

    [Theory]
    [InlineData(new[] { "--service", "x", "--secret", "y", "--mutating-webhook", "m" }, "--namespace (Certs:Namespace) is required")]
    [InlineData(new[] { "--namespace", "n", "--service", "x", "--secret", "y" }, "name at least one webhook configuration")]
    [InlineData(new[] { "--namespace", "n", "--service", "x", "--secret", "y", "--mutating-webhook", "m", "--renew-before-days", "400" }, "--renew-before-days must be above 0 and below --cert-validity-days")]
    [InlineData(new[] { "--namespace", "n", "--cert-validity-days", "soon" }, "--cert-validity-days must be a whole number of days, found 'soon'")]
    [InlineData(new[] { "--frobnicate" }, "unknown option '--frobnicate'")]
    [InlineData(new[] { "--namespace", "n", "--webhook-configurations", "maybe" }, "--webhook-configurations must be required or optional, found 'maybe'")]
    [InlineData(new[] { "--namespace", "n", "--webhook-configurations" }, "--webhook-configurations needs a value")]
    public async Task Usage_errors_exit_two_naming_the_problem(string[] args, string message)
    {
        var (exit, _, error) = await Certs(args);

        exit.ShouldBe(Commands.Usage);
        error.ShouldContain(message);
        Writes().ShouldBe(0);
    }

    [Fact]
    public async Task Without_any_cluster_configuration_certs_exits_two_with_one_line_naming_what_is_missing()
    {
        var home = Directory.CreateTempSubdirectory("certs-home-").FullName;
        try
        {
            var (exit, run) = await WebhookProcess.RunAsync(
                ["certs", .. Args],
                new Dictionary<string, string?> { ["KUBECONFIG"] = null, ["KUBERNETES_SERVICE_HOST"] = null, ["KUBERNETES_SERVICE_PORT"] = null, ["HOME"] = home },
                TimeSpan.FromSeconds(60));
            using var process = run;

            exit.ShouldBe(2, process.Output);
            var line = process.StandardError.ShouldHaveSingleItem();
            line.ShouldStartWith("webhook certs: no Kubernetes configuration: ");
            line.ShouldContain($"{home}/.kube/config does not exist");
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }
}

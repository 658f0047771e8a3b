using System.Security.Cryptography.X509Certificates;
using DeadlineGuard.Tests.Support;

namespace DeadlineGuard.Tests.Chart;

/// <summary>certs/dev-certs.sh, the existingSecret mode's helper, for the longest Service and namespace the chart makes.</summary>
public sealed class DevCertsScriptTests
{
    [SkippableFact]
    public void It_makes_a_certificate_for_a_long_service_and_namespace_whose_subject_fits_X509()
    {
        OptionalTool.Require(ExternalProcess.FindOnPath("openssl") is null || ExternalProcess.FindOnPath("bash") is null
            ? "certs/dev-certs.sh needs bash and openssl (apt-get install openssl)"
            : null);
        const string service = "deadline-guard-staging-eu-west-rollout-deadl"; // the chart's Service for the long release
        const string ns = ChartConfiguration.LongNamespace;
        var output = Directory.CreateTempSubdirectory("rdg-dev-certs-").FullName;
        try
        {
            var outcome = ExternalProcess.Run(
                "bash",
                [Path.Combine(TestPaths.RepositoryRoot, "certs", "dev-certs.sh"), "--service", service, "--namespace", ns, "--out", output],
                TimeSpan.FromMinutes(1));

            outcome.ExitCode.ShouldBe(0, outcome.Said);
            using var leaf = X509Certificate2.CreateFromPemFile(Path.Combine(output, "tls.crt"), Path.Combine(output, "tls.key"));
            using var ca = X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(output, "ca.crt")));
            leaf.GetNameInfo(X509NameType.SimpleName, forIssuer: false).Length.ShouldBeLessThanOrEqualTo(64);
            leaf.MatchesHostname($"{service}.{ns}.svc", allowWildcards: false, allowCommonName: false).ShouldBeTrue();
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(ca);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            chain.Build(leaf).ShouldBeTrue(string.Join(", ", chain.ChainStatus.Select(s => s.StatusInformation)));
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }
    }
}

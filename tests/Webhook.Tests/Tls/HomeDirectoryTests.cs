using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using DeadlineGuard.Hosting;
using DeadlineGuard.Tests.Support;
using DeadlineGuard.Tls;

namespace DeadlineGuard.Tests.Tls;

/// <summary>
/// TLS works for a user with no home directory: HOME unset and no passwd entry, as the image's uid 64198 in a pod
/// whose spec sets no HOME. Without a home, .NET cannot build an X.509 chain, so every handshake failed.
/// </summary>
public sealed class HomeDirectoryTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly string _folder = Directory.CreateTempSubdirectory("home-").FullName;

    [Theory]
    [InlineData("/home/app", "/home/app", "/tmp", null)]
    [InlineData("", "/root", "/tmp", null)]
    [InlineData(null, "/var/lib/app", "/tmp", null)]
    [InlineData(null, "/", "/tmp", "/tmp")]
    [InlineData("", "/", "/scratch", "/scratch")]
    [InlineData(null, "", "/tmp", "/tmp")]
    public void Home_is_set_to_the_temporary_folder_only_when_the_runtime_finds_none(string? home, string userProfile, string temp, string? expected) =>
        HomeDirectory.Fallback(home, userProfile, temp).ShouldBe(expected);

    [SkippableTheory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Serve_answers_over_tls_as_a_user_without_home_directory(bool certificateFromFiles)
    {
        Privileges.RequireRunAsAnotherUser("Serving as a user without a home directory");
        var ca = CertificateAuthority.CreateCa(DateTimeOffset.UtcNow, 30);
        var pair = CertificateAuthority.Issue(ca, ["localhost"], DateTimeOffset.UtcNow, 10);
        File.WriteAllText(Path.Combine(_folder, "tls.crt"), pair.CertificatePem);
        File.WriteAllText(Path.Combine(_folder, "tls.key"), pair.KeyPem);
        Privileges.OpenToOthers(_folder);
        string[] tls = certificateFromFiles ? [$"--Tls:CertFile={_folder}/tls.crt", $"--Tls:KeyFile={_folder}/tls.key"] : [];

        using var webhook = WebhookProcess.Start(
            ["serve", "--urls", "https://127.0.0.1:0", .. tls],
            new Dictionary<string, string?> { ["HOME"] = null, ["TMPDIR"] = _folder },
            runAs: (Privileges.ImageUser, Privileges.ImageUser));
        var url = new Uri(await webhook.ListeningAsync(Patience));
        using var client = new HttpClient(new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                // The CA's leaf, or the in-memory self-signed one for localhost.
                RemoteCertificateValidationCallback = (_, presented, _, _) =>
                {
                    using var leaf = new X509Certificate2(presented!);
                    using var authority = X509Certificate2.CreateFromPem(ca.CertificatePem);
                    return certificateFromFiles ? CertificateAuthority.Fits(leaf, authority, ["localhost"]) : leaf.Subject == "CN=localhost";
                },
            },
        });

        using var response = await client.GetAsync(new Uri($"https://localhost:{url.Port}/healthz"));

        response.StatusCode.ShouldBe(HttpStatusCode.OK, webhook.Output);
        (await webhook.TerminateAsync(Patience)).ShouldBe(0, webhook.Output);
        webhook.Output.ShouldNotContain("home directory", Case.Insensitive);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}

using System.Net;
using System.Net.Http.Json;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using DeadlineGuard.Tests.Support;
using DeadlineGuard.Tls;
using Xunit.Abstractions;

namespace DeadlineGuard.Tests.Image;

/// <summary>
/// The image's run-time contract without Docker: the program published as the Dockerfile publishes it, copied to a
/// folder nobody can write to, run as the Dockerfile's USER (a uid with no passwd entry) with the runtime stage's ENV
/// but HOME unset, and nothing else of this machine's environment: a writable TMPDIR (the chart's emptyDir on /tmp)
/// and the chart's volume (policy and certificate through the kubelet's layout, fsGroup applied).
/// </summary>
public sealed class ImageContractTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly string _folder = OpenFolder();
    private readonly DockerfileSpec _dockerfile = DockerfileSpec.Read(TestPaths.RepositoryRoot);

    [Fact]
    public void The_image_runs_dotnet_webhook_as_a_numeric_non_root_user_with_home_set()
    {
        var runtime = _dockerfile.Runtime;

        runtime.Entrypoint.ShouldBe(["dotnet", "Webhook.dll"]);
        runtime.User.ShouldBe((Privileges.ImageUser, Privileges.ImageUser));
        runtime.Environment["HOME"].ShouldBe("/tmp");
        runtime.Environment["TMPDIR"].ShouldBe("/tmp");
        runtime.Environment["ASPNETCORE_HTTP_PORTS"].ShouldBeEmpty();
    }

    [SkippableFact]
    public async Task The_published_program_serves_a_review_as_the_image_user_from_a_read_only_folder_without_home()
    {
        var app = await ProgramAsync();
        var ca = CertificateAuthority.CreateCa(DateTimeOffset.UtcNow, 30);
        var pair = CertificateAuthority.Issue(ca, ["localhost"], DateTimeOffset.UtcNow, 10);
        var volume = Directory.CreateDirectory(Path.Combine(_folder, "etc-deadline-guard")).FullName;
        new AtomicWriter(volume, fsGroup: _dockerfile.Runtime.User.Gid).Write(new Dictionary<string, string>
        {
            ["policy.yaml"] = "apiVersion: deadline-guard.io/v1\nkind: DeadlinePolicy\nspec:\n  defaults:\n    progressDeadlineSeconds: 900\n",
            ["tls/tls.crt"] = pair.CertificatePem,
            ["tls/tls.key"] = pair.KeyPem,
        }, UnixFileMode.UserRead | UnixFileMode.GroupRead);
        var tmp = TemporaryFolder();

        using var webhook = WebhookProcess.Start(
            [
                "serve", "--urls", "https://127.0.0.1:0", "--policy", $"{volume}/policy.yaml",
                $"--Tls:CertFile={volume}/tls/tls.crt", $"--Tls:KeyFile={volume}/tls/tls.key", "--Admission:FailurePolicy=Fail",
            ],
            Environment(tmp),
            programFolder: app,
            runAs: _dockerfile.Runtime.User,
            onlyThisEnvironment: true);
        var port = new Uri(await webhook.ListeningAsync(Patience)).Port;
        using var client = Trusting(ca);

        using var ready = await client.GetAsync(new Uri($"https://localhost:{port}/readyz"));
        using var response = await client.PostAsJsonAsync(new Uri($"https://localhost:{port}/mutate"), Reviews.Review(Reviews.Rollout()));

        ready.StatusCode.ShouldBe(HttpStatusCode.OK, webhook.Output);
        response.StatusCode.ShouldBe(HttpStatusCode.OK, webhook.Output);
        var answer = (await response.Content.ReadFromJsonAsync<JsonObject>())!["response"]!;
        answer["allowed"]!.GetValue<bool>().ShouldBeTrue();
        var patch = JsonNode.Parse(Convert.FromBase64String(answer["patch"]!.GetValue<string>()))!.AsArray();
        patch.Select(o => $"{o!["op"]} {o["path"]} {o["value"]?.ToJsonString()}")
            .Where(o => o.Contains("/spec/", StringComparison.Ordinal))
            .ShouldBe(["add /spec/progressDeadlineSeconds 900", "add /spec/progressDeadlineAbort true"], ignoreOrder: true);
        (await webhook.TerminateAsync(Patience)).ShouldBe(0, webhook.Output);
        Directory.EnumerateFileSystemEntries(tmp).ShouldBeEmpty("nothing is written at run time, not even in TMPDIR");
        webhook.Output.ShouldNotContain("   at ", Case.Sensitive);
    }

    [SkippableFact]
    public async Task The_published_program_reviews_a_file_as_the_image_user()
    {
        var app = await ProgramAsync();
        var rollout = Path.Combine(_folder, "rollout.yaml");
        File.Copy(Path.Combine(TestPaths.RepositoryRoot, "examples", "rollouts", "bluegreen-no-deadline.yaml"), rollout);
        Privileges.OpenToOthers(_folder);

        var (exit, run) = await WebhookProcess.RunAsync(
            ["review", rollout], Environment(TemporaryFolder()), Patience, programFolder: app, runAs: _dockerfile.Runtime.User, onlyThisEnvironment: true);
        using var review = run;

        exit.ShouldBe(0, review.Output);
        review.StandardOutput.ShouldContain(l => l.StartsWith("ALLOWED  Rollout team-a/checkout", StringComparison.Ordinal));
        review.StandardOutput.ShouldContain("  patch:     add /spec/progressDeadlineSeconds 600");
        review.StandardError.ShouldBeEmpty();
    }

    [SkippableFact]
    public async Task The_published_program_prints_the_reconcile_help_as_the_image_user()
    {
        var app = await ProgramAsync();

        var (exit, run) = await WebhookProcess.RunAsync(
            ["reconcile", "--help"], Environment(TemporaryFolder()), Patience, programFolder: app, runAs: _dockerfile.Runtime.User, onlyThisEnvironment: true);
        using var help = run;

        exit.ShouldBe(0, help.Output);
        help.StandardOutput[0].ShouldBe("Usage: webhook reconcile [--policy FILE] [--urls URLS] [--Section:Key=value ...]");
        help.StandardError.ShouldBeEmpty();
    }

    public void Dispose()
    {
        // The read-only copy cannot be deleted until its folders are writable again.
        foreach (var entry in new DirectoryInfo(_folder).EnumerateDirectories("*", SearchOption.AllDirectories))
        {
            if (!OperatingSystem.IsWindows() && entry.LinkTarget is null)
            {
                entry.UnixFileMode |= UnixFileMode.UserWrite;
            }
        }

        Directory.Delete(_folder, recursive: true);
    }

    /// <summary>The runtime stage's ENV, without HOME, with TMPDIR on the writable folder, plus the chart's downward-API variables.</summary>
    private Dictionary<string, string?> Environment(string tmp)
    {
        var environment = _dockerfile.Runtime.Environment.ToDictionary(e => e.Key, e => (string?)e.Value);
        environment.Remove("HOME");
        environment["TMPDIR"] = tmp;
        environment["POD_NAMESPACE"] = "deadline-guard";
        environment["POD_NAME"] = "rollout-deadline-guard-webhook-0";
        return environment;
    }

    /// <summary>The published program, as a read-only copy of its own; skipped (outside CI) when the test cannot run as the image user.</summary>
    private async Task<string> ProgramAsync()
    {
        Privileges.RequireRunAsAnotherUser("The image contract test");
        var published = await PublishedImage.GetAsync();
        output.WriteLine(published.Cached
            ? $"published program reused from {published.Folder} (key {published.Key}, SDK {published.Sdk})"
            : $"published as the Dockerfile does in {published.Took.TotalSeconds:0} s into {published.Folder} (SDK {published.Sdk})");
        return PublishedImage.ReadOnlyCopy(published.Folder, Path.Combine(_folder, "app"));
    }

    /// <summary>The chart's emptyDir on /tmp: a folder anyone may write to.</summary>
    private string TemporaryFolder()
    {
        var tmp = Directory.CreateDirectory(Path.Combine(_folder, "tmp-" + Guid.NewGuid().ToString("N")[..8])).FullName;
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(tmp, (UnixFileMode)0b111_111_111);
        }

        return tmp;
    }

    private static string OpenFolder()
    {
        var folder = Directory.CreateTempSubdirectory("image-").FullName;
        Privileges.OpenToOthers(folder);
        return folder;
    }

    private static HttpClient Trusting(PemPair ca) => new(new SocketsHttpHandler
    {
        SslOptions = new SslClientAuthenticationOptions
        {
            // As the API server does with the caBundle.
            RemoteCertificateValidationCallback = (_, presented, _, _) =>
            {
                using var leaf = new X509Certificate2(presented!);
                using var authority = X509Certificate2.CreateFromPem(ca.CertificatePem);
                return CertificateAuthority.Fits(leaf, authority, ["localhost"]);
            },
        },
    });
}

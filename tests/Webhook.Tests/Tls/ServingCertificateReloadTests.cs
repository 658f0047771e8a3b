using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using DeadlineGuard.Hosting;
using DeadlineGuard.Tests.Support;
using DeadlineGuard.Tls;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace DeadlineGuard.Tests.Tls;

/// <summary>The serving certificate from PEM files, as a mounted Secret provides them, on a real Kestrel.</summary>
public sealed class ServingCertificateReloadTests : IAsyncLifetime
{
    private readonly string _folder = Directory.CreateTempSubdirectory("tls-").FullName;
    private readonly PemPair _ca = CertificateAuthority.CreateCa(DateTimeOffset.UtcNow, 30);
    private WebApplication _app = null!;
    private Uri _base = null!;

    private string Mount => Path.Combine(_folder, "mount");

    /// <summary>Writes a pair as the kubelet does for a Secret volume: a timestamped folder behind a ..data symlink.</summary>
    private PemPair Publish(string version)
    {
        var pair = CertificateAuthority.Issue(_ca, ["localhost"], DateTimeOffset.UtcNow, 10);
        var data = Directory.CreateDirectory(Path.Combine(Mount, "..20261127_" + version));
        File.WriteAllText(Path.Combine(data.FullName, "tls.crt"), pair.CertificatePem);
        File.WriteAllText(Path.Combine(data.FullName, "tls.key"), pair.KeyPem);
        AtomicSymlink.Swap(Mount, "..data", data.Name);
        foreach (var file in new[] { "tls.crt", "tls.key" })
        {
            var path = Path.Combine(Mount, file);
            if (!File.Exists(path))
            {
                File.CreateSymbolicLink(path, Path.Combine("..data", file));
            }
        }

        return pair;
    }

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Mount);
        Publish("a");
        _app = WebhookApp.Build(["--urls", "https://127.0.0.1:0", $"--Tls:CertFile={Mount}/tls.crt", $"--Tls:KeyFile={Mount}/tls.key"]);
        await _app.StartAsync();
        _base = new Uri(_app.Urls.Single());
    }

    public async Task DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    private HttpClient Client(ConcurrentBag<string> seen, bool newConnectionPerRequest = false)
    {
        var handler = new SocketsHttpHandler
        {
            PooledConnectionLifetime = newConnectionPerRequest ? TimeSpan.Zero : Timeout.InfiniteTimeSpan,
            SslOptions = new SslClientAuthenticationOptions
            {
                // Trust the CA, as an API server with this caBundle does; record which leaf was served.
                RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                {
                    using var leaf = new X509Certificate2(certificate!);
                    using var ca = X509Certificate2.CreateFromPem(_ca.CertificatePem);
                    seen.Add(leaf.Thumbprint);
                    return CertificateAuthority.Fits(leaf, ca, ["localhost"]);
                },
            },
        };
        return new HttpClient(handler) { BaseAddress = new Uri($"https://localhost:{_base.Port}") };
    }

    [Fact]
    public async Task The_certificate_from_the_files_is_served()
    {
        var seen = new ConcurrentBag<string>();
        using var client = Client(seen);

        (await client.GetAsync("/readyz")).StatusCode.ShouldBe(HttpStatusCode.OK);

        seen.Single().ShouldBe(_app.Services.GetRequiredService<ServingCertificate>().Current.Thumbprint);
    }

    [Fact]
    public async Task A_secret_update_is_picked_up_under_load_without_a_failed_request()
    {
        var certificate = _app.Services.GetRequiredService<ServingCertificate>();
        var reloaded = new TaskCompletionSource<X509Certificate2>(TaskCreationOptions.RunContinuationsAsynchronously);
        certificate.Reloaded += c => reloaded.TrySetResult(c);
        var seen = new ConcurrentBag<string>();
        using var client = Client(seen, newConnectionPerRequest: true);
        var review = Reviews.Review(Reviews.Rollout());
        var failures = new ConcurrentBag<string>();
        using var stop = new CancellationTokenSource();
        var load = Enumerable.Range(0, 4).Select(async _ =>
        {
            var sent = 0;
            while ((!stop.IsCancellationRequested || sent < 5) && sent < 2_000)
            {
                sent++;
                try
                {
                    using var response = await client.PostAsJsonAsync("/mutate", review);
                    if (response.StatusCode != HttpStatusCode.OK)
                    {
                        failures.Add($"HTTP {(int)response.StatusCode}");
                    }
                }
                catch (HttpRequestException e)
                {
                    failures.Add(e.Message);
                }
            }
        }).ToList();

        var published = Publish("b");
        var fresh = await reloaded.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await stop.CancelAsync();
        await Task.WhenAll(load);

        failures.ShouldBeEmpty();
        using var expected = X509Certificate2.CreateFromPem(published.CertificatePem);
        fresh.Thumbprint.ShouldBe(expected.Thumbprint);
        seen.ShouldContain(expected.Thumbprint);
    }

    [Fact]
    public async Task A_half_written_pair_is_ignored_and_the_current_certificate_stays()
    {
        var certificate = _app.Services.GetRequiredService<ServingCertificate>();
        var before = certificate.Current.Thumbprint;
        File.Delete(Path.Combine(Mount, "tls.key"));
        File.WriteAllText(Path.Combine(Mount, "tls.key"), "-----BEGIN PRIVATE KEY-----\ntruncated");

        certificate.Reload().ShouldBeFalse();

        certificate.Current.Thumbprint.ShouldBe(before);
        var seen = new ConcurrentBag<string>();
        using var client = Client(seen);
        (await client.GetAsync("/healthz")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }
}

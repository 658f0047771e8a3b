using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using DeadlineGuard.Hosting;
using DeadlineGuard.Policy;
using DeadlineGuard.Tests.Support;
using DeadlineGuard.Tls;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace DeadlineGuard.Tests.Tls;

/// <summary>
/// The webhook on a real Kestrel over loopback TLS, reading the chart's own volume as the kubelet lays it out: one
/// projected volume at /etc/deadline-guard with <c>policy.yaml</c> and the Secret's keys at <c>tls/tls.crt</c> and
/// <c>tls/tls.key</c> (mode 0440), renewed by the kubelet's <c>..data</c> swap (<see cref="AtomicWriter"/>).
/// </summary>
public sealed class ServingCertificateReloadTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const UnixFileMode ChartDefaultMode = UnixFileMode.UserRead | UnixFileMode.GroupRead; // defaultMode: 0440
    private const string DenyPolicy = "apiVersion: deadline-guard.io/v1\nkind: DeadlinePolicy\nspec:\n  action: Deny\n";

    /// <summary>"Within seconds of the swap": the watch normally reacts in milliseconds; the periodic check is 60 s away.</summary>
    private static readonly TimeSpan ServedWithin = TimeSpan.FromSeconds(5);

    private readonly string _folder = Directory.CreateTempSubdirectory("tls-").FullName;
    private readonly PemPair _ca = CertificateAuthority.CreateCa(DateTimeOffset.UtcNow, 30);
    private readonly ServedLeaves _served = new();
    private AtomicWriter _kubelet = null!;
    private PemPair _pair = null!;
    private string _policy = DenyPolicy;
    private WebApplication _app = null!;
    private Uri _base = null!;

    private string Mount => Path.Combine(_folder, "etc-deadline-guard");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Mount);
        _kubelet = new AtomicWriter(Mount);
        Project(renewCertificate: true);
        _app = WebhookApp.Build([
            "--urls", "https://127.0.0.1:0",
            "--policy", Path.Combine(Mount, "policy.yaml"),
            $"--Tls:CertFile={Mount}/tls/tls.crt", $"--Tls:KeyFile={Mount}/tls/tls.key"]);
        await _app.StartAsync();
        _base = new Uri(_app.Urls.Single());
    }

    public async Task DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task The_certificate_from_the_volume_is_served_with_its_policy()
    {
        using var client = Client();

        (await client.GetAsync(new Uri("/readyz", UriKind.Relative))).StatusCode.ShouldBe(HttpStatusCode.OK);

        _served.All.Single().ShouldBe(Thumbprint(_pair));
        Directory.GetFileSystemEntries(Mount).Select(e => Path.GetFileName(e)!)
            .ShouldBe(["..data", _kubelet.CurrentDataDir!, "policy.yaml", "tls"], ignoreOrder: true, "the kubelet's layout, one link per top-level name");
    }

    [Fact]
    public async Task Each_renewal_is_served_within_seconds_under_load_without_a_failed_request()
    {
        var failures = new ConcurrentBag<string>();
        using var answered = new SemaphoreSlim(0);
        using var stop = new CancellationTokenSource();
        using var client = Client(newConnectionPerRequest: true);
        var review = Reviews.Review(Reviews.Rollout());
        var load = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    using var response = await client.PostAsJsonAsync(new Uri("/mutate", UriKind.Relative), review, CancellationToken.None);
                    if (response.StatusCode != HttpStatusCode.OK)
                    {
                        failures.Add($"HTTP {(int)response.StatusCode}");
                    }

                    answered.Release();
                }
                catch (HttpRequestException e)
                {
                    failures.Add(e.ToString());
                }
            }
        })).ToList();
        await _served.Seen(Thumbprint(_pair)).WaitAsync(ServedWithin);

        var delays = new List<TimeSpan>();
        for (var renewal = 0; renewal < 3; renewal++)
        {
            await AnsweredAsync(answered, 20); // the renewal lands among requests on new connections
            Project(renewCertificate: true);
            var swapped = Stopwatch.GetTimestamp();
            await _served.Seen(Thumbprint(_pair)).WaitAsync(ServedWithin);
            delays.Add(Stopwatch.GetElapsedTime(swapped));
        }

        await stop.CancelAsync();
        await Task.WhenAll(load);

        output.WriteLine($"renewal served after {string.Join(", ", delays.Select(d => $"{d.TotalMilliseconds:0} ms"))}");
        failures.ShouldBeEmpty();
        delays.Count.ShouldBe(3);
        _app.Services.GetRequiredService<ServingCertificate>().Current.Thumbprint.ShouldBe(Thumbprint(_pair));
        using var after = Client();
        (await after.GetAsync(new Uri("/healthz", UriKind.Relative))).StatusCode.ShouldBe(HttpStatusCode.OK);
        _served.Last.ShouldBe(Thumbprint(_pair), "a new connection after the renewals gets the newest certificate");
    }

    [Fact]
    public async Task A_secret_with_a_key_that_does_not_match_is_ignored_and_the_current_certificate_stays()
    {
        var certificate = _app.Services.GetRequiredService<ServingCertificate>();
        var before = certificate.Current.Thumbprint;
        var other = CertificateAuthority.Issue(_ca, ["localhost"], DateTimeOffset.UtcNow, 10);

        _kubelet.Write(new Dictionary<string, string>
        {
            ["policy.yaml"] = _policy,
            ["tls/tls.crt"] = other.CertificatePem,
            ["tls/tls.key"] = _pair.KeyPem,
        }, ChartDefaultMode);

        certificate.Reload().ShouldBeFalse();
        certificate.Current.Thumbprint.ShouldBe(before);
        using var client = Client();
        (await client.GetAsync(new Uri("/healthz", UriKind.Relative))).StatusCode.ShouldBe(HttpStatusCode.OK);
        _served.Last.ShouldBe(before);
    }

    [Fact]
    public async Task The_policy_in_the_same_volume_is_reloaded_after_the_kubelet_swap()
    {
        var store = _app.Services.GetRequiredService<PolicyStore>();
        var changed = new TaskCompletionSource<DeadlinePolicy>(TaskCreationOptions.RunContinuationsAsynchronously);
        store.Changed += p => changed.TrySetResult(p);
        store.Current.Action.ShouldBe(PolicyAction.Deny);

        _policy = DenyPolicy.Replace("Deny", "Warn", StringComparison.Ordinal);
        Project(renewCertificate: false);

        (await changed.Task.WaitAsync(ServedWithin)).Action.ShouldBe(PolicyAction.Warn);
        store.Current.Action.ShouldBe(PolicyAction.Warn);
    }

    private static async Task AnsweredAsync(SemaphoreSlim answered, int count)
    {
        for (var i = 0; i < count; i++)
        {
            (await answered.WaitAsync(TimeSpan.FromSeconds(30))).ShouldBeTrue("the load stalled");
        }
    }

    /// <summary>The kubelet projecting the ConfigMap and the Secret into the volume (a renewed Secret when asked).</summary>
    private void Project(bool renewCertificate)
    {
        if (renewCertificate)
        {
            _pair = CertificateAuthority.Issue(_ca, ["localhost"], DateTimeOffset.UtcNow, 10);
        }

        _kubelet.Write(new Dictionary<string, string>
        {
            ["policy.yaml"] = _policy,
            ["tls/tls.crt"] = _pair.CertificatePem,
            ["tls/tls.key"] = _pair.KeyPem,
        }, ChartDefaultMode);
    }

    private static string Thumbprint(PemPair pair)
    {
        using var certificate = X509Certificate2.CreateFromPem(pair.CertificatePem);
        return certificate.Thumbprint;
    }

    private HttpClient Client(bool newConnectionPerRequest = false)
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
                    _served.Add(leaf.Thumbprint);
                    return CertificateAuthority.Fits(leaf, ca, ["localhost"]);
                },
            },
        };
        return new HttpClient(handler) { BaseAddress = new Uri($"https://localhost:{_base.Port}") };
    }

    /// <summary>The leaves presented in handshakes, in order, with a signal when one is first seen.</summary>
    private sealed class ServedLeaves
    {
        private readonly Lock _gate = new();
        private readonly List<string> _all = [];
        private readonly Dictionary<string, TaskCompletionSource> _seen = new(StringComparer.Ordinal);

        public IReadOnlyList<string> All
        {
            get
            {
                lock (_gate)
                {
                    return [.. _all];
                }
            }
        }

        public string Last => All[^1];

        public void Add(string thumbprint)
        {
            lock (_gate)
            {
                _all.Add(thumbprint);
                Signal(thumbprint).TrySetResult();
            }
        }

        public Task Seen(string thumbprint)
        {
            lock (_gate)
            {
                return Signal(thumbprint).Task;
            }
        }

        private TaskCompletionSource Signal(string thumbprint)
        {
            if (!_seen.TryGetValue(thumbprint, out var signal))
            {
                signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _seen[thumbprint] = signal;
            }

            return signal;
        }
    }
}

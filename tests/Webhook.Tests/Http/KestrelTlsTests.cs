using System.Net;
using System.Net.Http.Json;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using DeadlineGuard.Tests.Support;

namespace DeadlineGuard.Tests.Http;

/// <summary>DESIGN §6 on a real socket: HTTP/1.1 and HTTP/2 over TLS 1.2 and 1.3 only, with the self-signed certificate.</summary>
public sealed class KestrelTlsTests(KestrelWebhook server) : IClassFixture<KestrelWebhook>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    [Theory]
    [InlineData("2.0")]
    [InlineData("1.1")]
    public async Task Mutate_answers_over_the_http_version_asked_for(string version)
    {
        using var client = server.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/mutate")
        {
            Version = Version.Parse(version),
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = JsonContent.Create(Reviews.Review(Reviews.Rollout())),
        };

        using var response = await client.SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Version.ShouldBe(Version.Parse(version));
        var review = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        review["response"]!["patchType"]!.GetValue<string>().ShouldBe("JSONPatch");
    }

    [Fact]
    public async Task Readyz_answers_200_once_started()
    {
        using var client = server.CreateClient();

        using var response = await client.GetAsync("/readyz");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Theory]
    [InlineData(SslProtocols.Tls12)]
    [InlineData(SslProtocols.Tls13)]
    public async Task A_tls_1_2_or_1_3_handshake_succeeds_and_offers_h2(SslProtocols protocol)
    {
        using var tcp = await ConnectAsync();
        await using var tls = new SslStream(tcp.GetStream());

        await tls.AuthenticateAsClientAsync(Options(protocol)).WaitAsync(Patience);

        tls.NegotiatedApplicationProtocol.ShouldBe(SslApplicationProtocol.Http2);
        tls.SslProtocol.ShouldBe(protocol);
    }

#pragma warning disable SYSLIB0039, CA5397 // TLS 1.0 and 1.1 are obsolete: that is what is being tested
    [Theory]
    [InlineData(SslProtocols.Tls11)]
    [InlineData(SslProtocols.Tls)]
    public async Task A_tls_1_1_or_1_0_handshake_fails(SslProtocols protocol)
#pragma warning restore SYSLIB0039, CA5397
    {
        // OpenSSL 3 refuses TLS below 1.2 at its default security level on both ends, so here the client may
        // fail before it offers anything; either way no such session is established. That the server itself
        // refuses is proven by OldTlsRefusalTests, which sends the ClientHello by hand to a server whose
        // OpenSSL would otherwise accept it.
        using var tcp = await ConnectAsync();
        await using var tls = new SslStream(tcp.GetStream());

        Exception? failure = null;
        try
        {
            await tls.AuthenticateAsClientAsync(Options(protocol)).WaitAsync(Patience);
        }
        catch (Exception e) when (e is AuthenticationException or IOException)
        {
            failure = e;
        }

        failure.ShouldNotBeNull($"a {protocol} session was established");
        tls.IsAuthenticated.ShouldBeFalse();
    }

    [Fact]
    public async Task The_served_certificate_is_the_self_signed_one_for_localhost_and_the_loopback_address()
    {
        using var tcp = await ConnectAsync();
        await using var tls = new SslStream(tcp.GetStream());
        await tls.AuthenticateAsClientAsync(Options(SslProtocols.Tls13)).WaitAsync(Patience);

        using var served = new X509Certificate2(tls.RemoteCertificate!);

        server.IsServingCertificate(served).ShouldBeTrue();
        served.SubjectName.Name.ShouldBe("CN=localhost");
        served.IssuerName.Name.ShouldBe(served.SubjectName.Name);
        var san = served.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        san.EnumerateDnsNames().ShouldContain("localhost");
        san.EnumerateIPAddresses().ShouldContain(IPAddress.Loopback);
        served.NotBefore.ShouldBeLessThan(DateTime.Now);
        served.NotAfter.ShouldBeGreaterThan(DateTime.Now.AddDays(300));
    }

    [Fact]
    public async Task A_client_that_does_not_trust_the_self_signed_certificate_cannot_connect()
    {
        using var client = new HttpClient { BaseAddress = server.BaseAddress };

        var failure = await Should.ThrowAsync<HttpRequestException>(() => client.GetAsync("/healthz"));

        failure.InnerException.ShouldBeOfType<AuthenticationException>();
    }

    private async Task<TcpClient> ConnectAsync()
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, server.Port).WaitAsync(Patience);
        return tcp;
    }

    private SslClientAuthenticationOptions Options(SslProtocols protocol) => new()
    {
        TargetHost = "localhost",
        EnabledSslProtocols = protocol,
        ApplicationProtocols = [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11],
        RemoteCertificateValidationCallback = (_, certificate, _, _) => server.IsServingCertificate(certificate),
    };
}

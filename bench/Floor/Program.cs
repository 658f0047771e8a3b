using System.Net;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Core;

// The floor of the admission benchmark: the same Kestrel HTTPS stack as the webhook (HTTP/1.1 and
// HTTP/2, TLS 1.2 and 1.3, an in-memory self-signed ECDSA P-256 certificate for localhost picked by
// ServerCertificateSelector, no Server header, minimal-API routing) answering POST /mutate and
// POST /validate with a fixed "allowed" AdmissionReview after reading the whole body. No per-request
// logging, no parsing, no metrics: whatever the webhook costs above this is its own work.
//
// Usage: dotnet bench/Floor/bin/Release/net10.0/Floor.dll --urls https://127.0.0.1:PORT

var builder = WebApplication.CreateBuilder(args);
builder.Logging.ClearProviders();
builder.Logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning);
if (string.IsNullOrEmpty(builder.Configuration["urls"]))
{
    builder.WebHost.UseUrls("https://127.0.0.1:9443");
}

var certificate = FloorCertificate.Create();
builder.WebHost.ConfigureKestrel(kestrel =>
{
    kestrel.AddServerHeader = false;
    kestrel.ConfigureEndpointDefaults(listen => listen.Protocols = HttpProtocols.Http1AndHttp2);
    kestrel.ConfigureHttpsDefaults(https =>
    {
        https.SslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13;
        https.ServerCertificateSelector = (_, _) => certificate;
    });
});

var app = builder.Build();
app.MapPost("/mutate", FloorEndpoint.AnswerAsync);
app.MapPost("/validate", FloorEndpoint.AnswerAsync);
app.MapGet("/healthz", () => TypedResults.Text("ok\n"));
await app.RunAsync();

internal static class FloorEndpoint
{
    private static readonly byte[] Allowed =
        """{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","response":{"uid":"7f0e2c4a-93d1-4b8e-a6f2-1c5d8e9b0a37","allowed":true}}"""u8.ToArray();

    /// <summary>
    /// Reads the body to its end as the webhook does (with a declared length, one wait for all of it), then writes
    /// the fixed answer.
    /// </summary>
    public static async Task AnswerAsync(HttpContext context)
    {
        var reader = context.Request.BodyReader;
        var wanted = context.Request.ContentLength is { } declared ? (int)declared + 1 : 0;
        while (true)
        {
            var read = wanted > 0 ? await reader.ReadAtLeastAsync(wanted, context.RequestAborted) : await reader.ReadAsync(context.RequestAborted);
            if (read.IsCompleted || read.IsCanceled)
            {
                reader.AdvanceTo(read.Buffer.End);
                break;
            }

            reader.AdvanceTo(read.Buffer.Start, read.Buffer.End);
        }

        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = Allowed.Length;
        await context.Response.Body.WriteAsync(Allowed, context.RequestAborted);
    }
}

internal static class FloorCertificate
{
    /// <summary>Like the webhook's ServingCertificate.CreateSelfSigned: P-256, localhost plus the loopback addresses.</summary>
    public static X509Certificate2 Create()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        san.AddIpAddress(IPAddress.Loopback);
        san.AddIpAddress(IPAddress.IPv6Loopback);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(now.AddMinutes(-5), now.AddYears(1));
    }
}

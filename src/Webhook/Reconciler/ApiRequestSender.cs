using System.Net;
using System.Net.Http.Headers;
using k8s;

namespace DeadlineGuard.Reconciler;

/// <summary>
/// Sends a request through KubernetesClient's own connection, made as the client makes its requests, and hands back
/// the response from its headers on, so that the caller reads the body as a stream (the client's generated methods
/// deserialise a whole body before returning it). <see cref="RolloutApi"/> and <see cref="Reports.ReportApi"/> send
/// theirs through it.
/// <para>
/// What a request needs to be made as the client makes it, read in KubernetesClient 21 (kubernetes-client/csharp,
/// src/KubernetesClient/Kubernetes.cs <c>SendRequest</c>/<c>SendRequestRaw</c> and Kubernetes.ConfigInit.cs, checked
/// against the 21.0.8 assembly this project uses): the TLS side (the CA bundle check, client certificates, skip-verify)
/// lives in the handler of <see cref="Kubernetes.HttpClient"/>; the credentials are added to each request by
/// <c>await Credentials.ProcessHttpRequestAsync(request, ct)</c>, where <see cref="Kubernetes.Credentials"/> is a
/// TokenCredentials over the config's token provider (in-cluster: <c>TokenFileAuth</c>, which re-reads the projected
/// service account token every minute; kubeconfig: a static token, exec or OIDC provider) or basic credentials; the
/// Host header is set to the config's <c>tls-server-name</c> when there is one; requests ask for HTTP/2 unless the config
/// disables it; responses are read from their headers on (<c>HttpCompletionOption.ResponseHeadersRead</c>). This class
/// does the same with <see cref="Kubernetes.BaseUri"/>, <see cref="Kubernetes.HttpClient"/> and
/// <see cref="Kubernetes.Credentials"/>, all public; the two settings the client keeps private come from
/// <see cref="ClusterClient"/> when the client is one (the defaults otherwise, as a configuration without them has).
/// </para>
/// </summary>
public sealed class ApiRequestSender
{
    /// <summary>How much of an error answer is read for its Status message.</summary>
    private const int MaxErrorBody = 64 * 1024;

    private readonly Kubernetes _kubernetes;
    private readonly string? _tlsServerName;
    private readonly bool _http2;

    /// <param name="client">KubernetesClient's <see cref="Kubernetes"/> (or a <see cref="ClusterClient"/>).</param>
    /// <param name="purpose">What the requests are for, for the error when the client is of another kind ("reports are written").</param>
    public ApiRequestSender(IKubernetes client, string purpose)
    {
        ArgumentNullException.ThrowIfNull(client);
        _kubernetes = client as Kubernetes
            ?? throw new ArgumentException($"{purpose} through KubernetesClient's Kubernetes class (its HttpClient, BaseUri and Credentials); {client.GetType().Name} is not one", nameof(client));
        _tlsServerName = (client as ClusterClient)?.TlsServerName;
        _http2 = (client as ClusterClient)?.DisableHttp2 != true;
    }

    /// <summary>
    /// Sends the request to <paramref name="relative"/> (below the API server's base address), with
    /// <paramref name="content"/> as its body when given; the caller reads and disposes the response.
    /// </summary>
    /// <exception cref="ApiStatusException">The API server refused it (any status outside 2xx), named by <paramref name="what"/>.</exception>
    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string relative, HttpContent? content, string what, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, new Uri(_kubernetes.BaseUri, relative));
        if (_http2)
        {
            request.Version = HttpVersion.Version20;
        }

        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        request.Content = content;
        if (_kubernetes.Credentials is { } credentials)
        {
            await credentials.ProcessHttpRequestAsync(request, cancellationToken);
        }

        if (!string.IsNullOrWhiteSpace(_tlsServerName))
        {
            request.Headers.Host = _tlsServerName;
        }

        var response = await _kubernetes.HttpClient.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            var body = await ReadPrefixAsync(response, cancellationToken);
            throw ApiStatusException.FromStatus(body, (int)response.StatusCode, what);
        }
    }

    private static async Task<byte[]> ReadPrefixAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        var buffer = new byte[MaxErrorBody];
        var read = 0;
        int n;
        while (read < buffer.Length && (n = await stream.ReadAsync(buffer.AsMemory(read), cancellationToken)) > 0)
        {
            read += n;
        }

        return buffer[..read];
    }
}

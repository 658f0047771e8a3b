using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using k8s;

namespace DeadlineGuard.Reconciler;

/// <summary>
/// The Rollout list and watch requests, made through KubernetesClient's own connection but answered as a stream, so
/// that each page and each event is decoded from the response body as it arrives (the client's generated methods
/// deserialise a whole page before returning it).
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
public sealed class RolloutApi
{
    public const string Group = "argoproj.io";
    public const string Version = "v1alpha1";
    public const string Plural = "rollouts";

    /// <summary>How much of an error answer is read for its Status message.</summary>
    private const int MaxErrorBody = 64 * 1024;

    private readonly Kubernetes _kubernetes;
    private readonly string? _tlsServerName;
    private readonly bool _http2;

    public RolloutApi(IKubernetes client)
    {
        _kubernetes = client as Kubernetes
            ?? throw new ArgumentException($"the reconciler streams Rollout lists through KubernetesClient's Kubernetes class (its HttpClient, BaseUri and Credentials); {client.GetType().Name} is not one", nameof(client));
        _tlsServerName = (client as ClusterClient)?.TlsServerName;
        _http2 = (client as ClusterClient)?.DisableHttp2 != true;
    }

    /// <summary>
    /// One page of Rollouts (GET ...?limit=N[&amp;continue=T][&amp;labelSelector=S]); the caller reads and disposes the
    /// response. A label selector is applied by the API server, as kubectl's <c>-l</c> is.
    /// </summary>
    public Task<HttpResponseMessage> ListRolloutsAsync(string? @namespace, int limit, string? continueToken, CancellationToken cancellationToken, string? labelSelector = null)
    {
        var query = $"?limit={limit.ToString(CultureInfo.InvariantCulture)}";
        if (!string.IsNullOrEmpty(continueToken))
        {
            query += "&continue=" + Uri.EscapeDataString(continueToken);
        }

        if (!string.IsNullOrEmpty(labelSelector))
        {
            query += "&labelSelector=" + Uri.EscapeDataString(labelSelector);
        }

        return GetAsync(Path(@namespace) + query, "list of Rollouts", cancellationToken);
    }

    /// <summary>A watch from <paramref name="resourceVersion"/> with bookmarks, ended by the server after <paramref name="timeoutSeconds"/>.</summary>
    public Task<HttpResponseMessage> WatchRolloutsAsync(string? @namespace, string resourceVersion, int timeoutSeconds, CancellationToken cancellationToken) =>
        GetAsync(
            $"{Path(@namespace)}?allowWatchBookmarks=true&resourceVersion={Uri.EscapeDataString(resourceVersion)}&timeoutSeconds={timeoutSeconds.ToString(CultureInfo.InvariantCulture)}&watch=true",
            "watch of Rollouts",
            cancellationToken);

    private static string Path(string? @namespace) => @namespace is null
        ? $"apis/{Group}/{Version}/{Plural}"
        : $"apis/{Group}/{Version}/namespaces/{Uri.EscapeDataString(@namespace)}/{Plural}";

    private async Task<HttpResponseMessage> GetAsync(string relative, string what, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(_kubernetes.BaseUri, relative));
        if (_http2)
        {
            request.Version = HttpVersion.Version20;
        }

        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
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

using System.Globalization;
using k8s;

namespace DeadlineGuard.Reconciler;

/// <summary>
/// The Rollout list and watch requests, sent through <see cref="ApiRequestSender"/> (KubernetesClient's own connection,
/// answered as a stream), so that each page and each event is decoded from the response body as it arrives.
/// </summary>
public sealed class RolloutApi
{
    public const string Group = "argoproj.io";
    public const string Version = "v1alpha1";
    public const string Plural = "rollouts";

    private readonly ApiRequestSender _sender;

    public RolloutApi(IKubernetes client) =>
        _sender = new ApiRequestSender(client, "the reconciler streams Rollout lists");

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

    private Task<HttpResponseMessage> GetAsync(string relative, string what, CancellationToken cancellationToken) =>
        _sender.SendAsync(HttpMethod.Get, relative, null, what, cancellationToken);
}

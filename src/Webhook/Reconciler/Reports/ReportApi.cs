using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using k8s;

namespace DeadlineGuard.Reconciler.Reports;

/// <summary>
/// The report requests: list the product's reports, get, create, replace and delete one, each a whole object in one
/// request (a report is never left half-written). Sent through <see cref="ApiRequestSender"/>, as
/// <see cref="RolloutApi"/> sends its requests (the client's HttpClient, base address and credentials, the
/// tls-server-name and HTTP/2 settings of a <see cref="ClusterClient"/>); a refusal is an <see cref="ApiStatusException"/>
/// with the API server's code, reason and message.
/// </summary>
public sealed class ReportApi
{
    /// <summary>Reports listed a page at a time: a report can be a mebibyte, so pages are small.</summary>
    private const int PageSize = 10;

    private readonly ApiRequestSender _sender;

    public ReportApi(IKubernetes client, ReportResource resource)
    {
        ArgumentNullException.ThrowIfNull(resource);
        _sender = new ApiRequestSender(client, "reports are written");
        Resource = resource;
    }

    public ReportResource Resource { get; }

    /// <summary>
    /// The product's reports (by their managed-by label) in one namespace, or everywhere when null, page by page, each
    /// handed to <paramref name="onReport"/> as its page is read. The API server answers 404 when the report CRD is not
    /// installed.
    /// </summary>
    public async Task ListOursAsync(string? @namespace, Action<JsonObject> onReport, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(onReport);
        string? continueToken = null;
        do
        {
            var query = $"?labelSelector={Uri.EscapeDataString($"{NamespaceReport.ManagedByLabel}={NamespaceReport.ManagedBy}")}&limit={PageSize.ToString(CultureInfo.InvariantCulture)}";
            if (continueToken is not null)
            {
                query += "&continue=" + Uri.EscapeDataString(continueToken);
            }

            var list = await SendAsync(HttpMethod.Get, Collection(@namespace) + query, null, $"list of {Resource.Display}", cancellationToken);
            foreach (var report in (list["items"] as JsonArray ?? []).OfType<JsonObject>())
            {
                onReport(report);
            }

            continueToken = list["metadata"]?["continue"] is JsonValue next && next.TryGetValue<string>(out var token) && token.Length > 0 ? token : null;
        }
        while (continueToken is not null);
    }

    /// <summary>The report, or null when there is none (404).</summary>
    public async Task<JsonObject?> GetAsync(string @namespace, string name, CancellationToken cancellationToken)
    {
        try
        {
            return await SendAsync(HttpMethod.Get, Item(@namespace, name), null, $"read of {Resource.Kind} {@namespace}/{name}", cancellationToken);
        }
        catch (ApiStatusException e) when (e.Code == (int)HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>POST: 409 AlreadyExists when it exists, 404 when the CRD is not installed.</summary>
    public Task<JsonObject> CreateAsync(string @namespace, JsonObject report, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, Collection(@namespace), report, $"create of {Resource.Kind} {@namespace}/{NameOf(report)}", cancellationToken);

    /// <summary>PUT, conditional on the resourceVersion the body carries: 409 Conflict when the report changed since, 404 when it is gone.</summary>
    public Task<JsonObject> ReplaceAsync(string @namespace, JsonObject report, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Put, Item(@namespace, NameOf(report)), report, $"update of {Resource.Kind} {@namespace}/{NameOf(report)}", cancellationToken);

    /// <summary>DELETE; a report already gone counts as deleted.</summary>
    public async Task DeleteAsync(string @namespace, string name, CancellationToken cancellationToken)
    {
        try
        {
            await SendAsync(HttpMethod.Delete, Item(@namespace, name), null, $"delete of {Resource.Kind} {@namespace}/{name}", cancellationToken);
        }
        catch (ApiStatusException e) when (e.Code == (int)HttpStatusCode.NotFound)
        {
        }
    }

    private string Collection(string? @namespace) => @namespace is null
        ? $"apis/{Resource.Group}/{Resource.Version}/{Resource.Plural}"
        : $"apis/{Resource.Group}/{Resource.Version}/namespaces/{Uri.EscapeDataString(@namespace)}/{Resource.Plural}";

    private string Item(string @namespace, string name) => Collection(@namespace) + "/" + Uri.EscapeDataString(name);

    private static string NameOf(JsonObject report) =>
        report["metadata"]?["name"] is JsonValue value && value.TryGetValue<string>(out var name) ? name : NamespaceReport.Name;

    private async Task<JsonObject> SendAsync(HttpMethod method, string relative, JsonObject? body, string what, CancellationToken cancellationToken)
    {
        using var content = body is null ? null : new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        using var response = await _sender.SendAsync(method, relative, content, what, cancellationToken);
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        return await JsonNode.ParseAsync(stream, cancellationToken: cancellationToken) as JsonObject ?? [];
    }
}

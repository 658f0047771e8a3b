using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using DeadlineGuard.ClusterAccess;
using DeadlineGuard.Reconciler;
using k8s;
using k8s.Autorest;
using k8s.Exceptions;

namespace DeadlineGuard.Cli;

/// <summary>
/// Reads one Rollout from the cluster, as <c>kubectl get rollout NAME -n NS -o json</c> does (GET on
/// /apis/argoproj.io/v1alpha1/namespaces/NS/rollouts/NAME); a failure is a <see cref="KubernetesAccessException"/>
/// whose message is one line naming what went wrong.
/// </summary>
public static class ClusterRolloutReader
{
    public static async Task<JsonObject> ReadAsync(ClusterConnection cluster, string name, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        try
        {
            return await cluster.Client.CustomObjects.GetNamespacedCustomObjectAsync<JsonObject>(RolloutApi.Group, RolloutApi.Version, cluster.Namespace, RolloutApi.Plural, name, cancellationToken)
                ?? throw new KubernetesAccessException($"the API server at {cluster.Server} answered the read of Rollout {cluster.Namespace}/{name} with nothing");
        }
        catch (HttpOperationException e) when (e.Response is not null)
        {
            throw new KubernetesAccessException(Describe(e.Response.StatusCode, e.Response.Content, cluster.Server, cluster.Namespace, name), e);
        }
        catch (Exception e) when (e is HttpRequestException or TimeoutException or IOException or KubeConfigException or JsonException
            || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            throw new KubernetesAccessException(Describe(e, cluster.Server), e);
        }
    }

    /// <summary>The line for an answer other than 200 (<paramref name="body"/>: the API server's Status, when there is one).</summary>
    public static string Describe(HttpStatusCode status, string? body, string server, string ns, string name)
    {
        var message = StatusMessage(body);
        var resource = $"{RolloutApi.Plural}.{RolloutApi.Group}";
        return status switch
        {
            HttpStatusCode.NotFound when message is null || message.Contains($"\"{name}\" not found", StringComparison.Ordinal) =>
                $"Rollout {ns}/{name} not found",
            HttpStatusCode.NotFound =>
                $"the API server at {server} does not serve {resource}/{RolloutApi.Version} ({message}); is Argo Rollouts installed in this cluster?",
            HttpStatusCode.Forbidden =>
                $"not allowed to get {resource} in namespace {ns}: {message ?? "403 Forbidden"}",
            HttpStatusCode.Unauthorized =>
                $"the API server at {server} refused the credentials (401 Unauthorized); check the kubeconfig's user, or the service account token",
            _ => $"the API server at {server} answered {(int)status} {status} to the read of Rollout {ns}/{name}{(message is null ? string.Empty : $": {message}")}",
        };
    }

    /// <summary>The line for a request that got no answer: the server unreachable, the TLS handshake refused, the time up.</summary>
    public static string Describe(Exception failure, string server)
    {
        ArgumentNullException.ThrowIfNull(failure);
        if (failure is KubeConfigException or JsonException)
        {
            return $"the request to the API server at {server} failed: {KubernetesAccess.Reason(failure)}";
        }

        var (verdict, reason) = KubernetesStartupCheck.Classify(null, failure is OperationCanceledException ? new TimeoutException() : failure);
        return verdict == KubernetesStartupCheck.Verdict.Fail
            ? $"the API server at {server} {reason}"
            : $"the API server at {server} is not reachable ({(failure is OperationCanceledException ? $"no answer within {ClusterOptions.RequestTimeout.TotalSeconds:0} s" : reason)})";
    }

    private static string? StatusMessage(string? body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(body) is JsonObject status && status["message"] is JsonValue value && value.TryGetValue<string>(out var text) && text.Length > 0
                ? text.ReplaceLineEndings(" ")
                : null;
        }
        catch (JsonException)
        {
            return body.Length > 200 ? body[..200].ReplaceLineEndings(" ") + "…" : body.ReplaceLineEndings(" ");
        }
    }
}

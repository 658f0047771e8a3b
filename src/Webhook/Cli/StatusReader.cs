using System.Net;
using System.Text.Json;
using DeadlineGuard.ClusterAccess;
using DeadlineGuard.Policy;
using DeadlineGuard.Reconciler;
using k8s.Exceptions;

namespace DeadlineGuard.Cli;

/// <summary>
/// Reads the Rollouts <c>status</c> prints as the reconciler reads them: a paged list (500 a page, as kubectl and the
/// reconciler page) through <see cref="RolloutApi"/>, each page decoded from the response stream by the reconciler's
/// <see cref="RolloutListReader"/> into snapshots, with the label selector applied by the API server. Each object is
/// also looked at once, while its bytes are in the reader's buffer, for its pitfalls and what <c>-o wide</c> prints
/// (<see cref="RolloutDetails"/>, only when they are printed). A failure is a <see cref="KubernetesAccessException"/> with one line saying what.
/// </summary>
public sealed class StatusReader(ClusterConnection cluster, DeadlinePolicy policy, bool details)
{
    public const int PageSize = 500;

    private readonly Dictionary<(string, string), RolloutDetails> _details = [];

    /// <summary>Items of the list that could not be read (skipped), and why the first was.</summary>
    public int Skipped { get; private set; }

    public string? FirstProblem { get; private set; }

    /// <summary>The Rollouts of <paramref name="namespace"/> (all namespaces when null) that <paramref name="labelSelector"/> selects, with their details.</summary>
    public async Task<List<(RolloutSnapshot Rollout, RolloutDetails Details)>> ReadAsync(string? @namespace, string? labelSelector, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var what = @namespace is null ? "in any namespace" : $"in namespace {@namespace}";
        try
        {
            var api = new RolloutApi(cluster.Client);
            var decoder = new RolloutDecoder(new StringPool(), policy.Exemptions.Annotation, keepSelector: false, Inspect);
            var snapshots = new List<RolloutSnapshot>();
            string? continueToken = null;
            var relisted = false;
            while (true)
            {
                try
                {
                    using var response = await api.ListRolloutsAsync(@namespace, PageSize, continueToken, cancellationToken, labelSelector);
                    await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
                    var page = new RolloutListReader(decoder);
                    await page.ReadAsync(body, cancellationToken);
                    snapshots.AddRange(page.Items);
                    Skipped += page.Skipped;
                    FirstProblem ??= page.FirstProblem;
                    continueToken = page.Continue;
                }
                catch (ApiStatusException e) when (e.IsGone && continueToken is not null && !relisted)
                {
                    // The continue token expired between pages (410): list again from the start, once, as client-go's pager does.
                    relisted = true;
                    continueToken = null;
                    snapshots.Clear();
                    _details.Clear();
                    Skipped = 0;
                    FirstProblem = null;
                    continue;
                }

                if (continueToken is null)
                {
                    break;
                }
            }

            return [.. snapshots.Select(s => (s, _details.GetValueOrDefault((s.Namespace, s.Name)) ?? RolloutDetails.Empty))];
        }
        catch (ApiStatusException e)
        {
            throw new KubernetesAccessException(Describe(e, what), e);
        }
        catch (InvalidDataException e)
        {
            throw new KubernetesAccessException($"the API server at {cluster.Server} answered the list of Rollouts {what} with something that cannot be read: {e.Message}", e);
        }
        catch (Exception e) when (e is HttpRequestException or TimeoutException or IOException or KubeConfigException or JsonException
            || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            throw new KubernetesAccessException(ClusterRolloutReader.Describe(e, cluster.Server), e);
        }
    }

    /// <summary>
    /// The pitfalls, from the small part of the object the detector reads; with <c>details</c> (wide and json), also the
    /// images and the history, from the whole object.
    /// </summary>
    private PitfallSet Inspect(ReadOnlySpan<byte> bytes, ReadOnlySpan<byte> detectorView)
    {
        if (!details)
        {
            return RolloutPitfalls.Find(detectorView);
        }

        using var document = RolloutPitfalls.Parse(bytes);
        if (document is null)
        {
            return default;
        }

        var root = document.RootElement;
        _details[RolloutDetails.KeyOf(root)] = RolloutDetails.From(root);
        return RolloutPitfalls.Find(root);
    }

    /// <summary>The line for a list the API server refused.</summary>
    private string Describe(ApiStatusException e, string what)
    {
        var resource = $"{RolloutApi.Plural}.{RolloutApi.Group}";
        var message = e.Message;
        return e.Code switch
        {
            (int)HttpStatusCode.NotFound => $"the API server at {cluster.Server} does not serve {resource}/{RolloutApi.Version} ({message}); is Argo Rollouts installed in this cluster?",
            (int)HttpStatusCode.Forbidden => $"not allowed to list {resource} {what}: {message}",
            (int)HttpStatusCode.Unauthorized => $"the API server at {cluster.Server} refused the credentials (401 Unauthorized); check the kubeconfig's user, or the service account token",
            _ => $"the API server at {cluster.Server} refused the {message}",
        };
    }
}

using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using DeadlineGuard.Json;
using k8s;
using k8s.Autorest;

namespace DeadlineGuard.Reconciler;

/// <summary>A change the informer saw: a full list for its scope, an upsert, or a deletion.</summary>
public abstract record RolloutChange
{
    public sealed record Listed(string? Namespace, IReadOnlyList<RolloutSnapshot> Items) : RolloutChange;

    public sealed record Upserted(JsonObject Rollout) : RolloutChange;

    public sealed record Deleted(string Namespace, string Name) : RolloutChange;

    /// <summary>Not from a watch: the policy changed, so every Rollout is judged again.</summary>
    public sealed record PolicyChanged : RolloutChange;
}

/// <summary>
/// List, then watch from the list's resourceVersion with bookmarks; resume a watch that ends; relist on
/// 410 Gone; restart a watch that goes silent; back off on errors (the dotnet/yarp ResourceInformer shape).
/// </summary>
public sealed partial class RolloutInformer(
    IKubernetes client,
    string? @namespace,
    ReconcilerOptions options,
    TimeProvider time,
    ReconcilerMetrics metrics,
    ILogger logger)
{
    public const string Group = "argoproj.io";
    public const string Version = "v1alpha1";
    public const string Plural = "rollouts";
    private const int PageSize = 500;

    private string Scope => @namespace ?? "all namespaces";

    public async Task RunAsync(Func<RolloutChange, ValueTask> onChange, CancellationToken cancellationToken)
    {
        string? resourceVersion = null;
        var failures = 0;
        var emptyCloses = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                if (resourceVersion is null)
                {
                    resourceVersion = await ListAsync(onChange, cancellationToken);
                }

                resourceVersion = await WatchAsync(resourceVersion, onChange, cancellationToken);
                failures = 0;
                emptyCloses = 0;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (HttpRequestException e) when (e.InnerException is EndOfStreamException)
            {
                // KubernetesClient reads the first line before it returns: a watch that times out with no event ends
                // here. Normal once per server timeout; back off when it keeps happening (a proxy cutting streams).
                metrics.WatchRestarts.WithLabels("closed").Inc();
                if (++emptyCloses > 3)
                {
                    await Task.Delay(Backoff.Delay(emptyCloses - 3, TimeSpan.FromSeconds(options.MaxBackoffSeconds)), time, cancellationToken);
                }

                continue;
            }
            catch (Exception e) when (IsGone(e))
            {
                LogExpired(logger, Scope);
                metrics.WatchRestarts.WithLabels("expired").Inc();
                resourceVersion = null;
            }
#pragma warning disable CA1031 // any API or transport failure is retried with backoff; the loop must survive it
            catch (Exception e)
#pragma warning restore CA1031
            {
                failures++;
                metrics.WatchRestarts.WithLabels("error").Inc();
                var delay = Backoff.Delay(failures, TimeSpan.FromSeconds(options.MaxBackoffSeconds));
                LogFailure(logger, e, Scope, delay.TotalSeconds);
                await Task.Delay(delay, time, cancellationToken);
            }
        }
    }

    private async Task<string> ListAsync(Func<RolloutChange, ValueTask> onChange, CancellationToken cancellationToken)
    {
        // Each page becomes snapshots as it arrives, so that only one page's parsed JSON is alive at a time.
        var items = new List<RolloutSnapshot>();
        string? continueToken = null;
        string resourceVersion;
        do
        {
            using var response = @namespace is null
                ? await client.CustomObjects.ListClusterCustomObjectWithHttpMessagesAsync(Group, Version, Plural, continueParameter: continueToken, limit: PageSize, cancellationToken: cancellationToken)
                : await client.CustomObjects.ListNamespacedCustomObjectWithHttpMessagesAsync(Group, Version, @namespace, Plural, continueParameter: continueToken, limit: PageSize, cancellationToken: cancellationToken);
            var list = response.Body as JsonElement? ?? JsonSerializer.SerializeToElement(response.Body);
            if (list.ValueKind == JsonValueKind.Object && list.TryGetProperty("items", out var page) && page.ValueKind == JsonValueKind.Array)
            {
                foreach (var rollout in page.EnumerateArray())
                {
                    if (rollout.ValueKind == JsonValueKind.Object)
                    {
                        items.Add(RolloutSnapshot.From(rollout));
                    }
                }
            }

            var metadata = list.ValueKind == JsonValueKind.Object && list.TryGetProperty("metadata", out var m) ? m : default;
            resourceVersion = StringMember(metadata, "resourceVersion") ?? string.Empty;
            continueToken = StringMember(metadata, "continue");
        }
        while (!string.IsNullOrEmpty(continueToken));

        LogListed(logger, items.Count, Scope, resourceVersion);
        await onChange(new RolloutChange.Listed(@namespace, items));
        return resourceVersion;
    }

    /// <summary>Watches until the stream ends; returns the last resourceVersion seen. Throws on 410 and on failure.</summary>
    private async Task<string> WatchAsync(string resourceVersion, Func<RolloutChange, ValueTask> onChange, CancellationToken cancellationToken)
    {
        // The watchdog: a stream that says nothing (not even a bookmark) for this long is restarted.
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var idleTimeout = TimeSpan.FromSeconds(options.WatchIdleTimeoutSeconds);
        using var watchdog = time.CreateTimer(_ => idle.Cancel(), null, idleTimeout, Timeout.InfiniteTimeSpan);
        Exception? streamError = null;
        var serverTimeout = (int)(idleTimeout.TotalSeconds * 0.9);
        void OnError(Exception e) => streamError ??= e;
        var events = @namespace is null
            ? client.CustomObjects.WatchListClusterCustomObjectAsync(Group, Version, Plural, allowWatchBookmarks: true, resourceVersion: resourceVersion, timeoutSeconds: serverTimeout, onError: OnError, cancellationToken: idle.Token)
            : client.CustomObjects.WatchListNamespacedCustomObjectAsync(Group, Version, @namespace, Plural, allowWatchBookmarks: true, resourceVersion: resourceVersion, timeoutSeconds: serverTimeout, onError: OnError, cancellationToken: idle.Token);
        try
        {
            await foreach (var (type, body) in events)
            {
                var item = body is null ? null : ToJsonObject(body);
                watchdog.Change(idleTimeout, Timeout.InfiniteTimeSpan);
                if (JsonValues.GetString(JsonValues.At(item, "metadata", "resourceVersion")) is { Length: > 0 } seen)
                {
                    resourceVersion = seen;
                }

                switch (type)
                {
                    case WatchEventType.Added or WatchEventType.Modified when item is not null:
                        (item["metadata"] as JsonObject)?.Remove("managedFields");
                        await onChange(new RolloutChange.Upserted(item));
                        break;
                    case WatchEventType.Deleted when item is not null:
                        await onChange(new RolloutChange.Deleted(
                            JsonValues.GetString(JsonValues.At(item, "metadata", "namespace")) ?? string.Empty,
                            JsonValues.GetString(JsonValues.At(item, "metadata", "name")) ?? string.Empty));
                        break;
                }
            }
        }
        catch (OperationCanceledException) when (idle.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            LogWatchdog(logger, Scope, options.WatchIdleTimeoutSeconds);
            metrics.WatchRestarts.WithLabels("idle").Inc();
            return resourceVersion;
        }

        if (streamError is not null)
        {
            throw streamError is KubernetesException or HttpOperationException ? streamError : new IOException("watch stream failed", streamError);
        }

        metrics.WatchRestarts.WithLabels("closed").Inc();
        return resourceVersion;
    }

    private static string? StringMember(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    public static bool IsGone(Exception e) => e switch
    {
        KubernetesException k => k.Status?.Code == (int)HttpStatusCode.Gone,
        HttpOperationException h => h.Response?.StatusCode == HttpStatusCode.Gone,
        _ => false,
    };

    private static JsonObject ToJsonObject(object body) => body switch
    {
        JsonObject o => o,
        // Over the client's parsed element, without copying it to text and parsing it again.
        JsonElement { ValueKind: JsonValueKind.Object } e => JsonObject.Create(e) ?? [],
        _ => JsonNode.Parse(JsonSerializer.Serialize(body)) as JsonObject ?? new JsonObject(),
    };

    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Listed {Count} Rollouts in {Scope} at resourceVersion {ResourceVersion}")]
    private static partial void LogListed(ILogger logger, int count, string scope, string resourceVersion);

    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "Watch of {Scope} expired (410 Gone); listing again")]
    private static partial void LogExpired(ILogger logger, string scope);

    [LoggerMessage(EventId = 102, Level = LogLevel.Warning, Message = "Watch of {Scope} failed; retrying in {DelaySeconds:0.0} s")]
    private static partial void LogFailure(ILogger logger, Exception exception, string scope, double delaySeconds);

    [LoggerMessage(EventId = 103, Level = LogLevel.Warning, Message = "Watch of {Scope} was silent for {Seconds} s; restarting it")]
    private static partial void LogWatchdog(ILogger logger, string scope, int seconds);
}

/// <summary>Exponential backoff with jitter: 1 s, 2 s, 4 s ... up to a cap.</summary>
public static class Backoff
{
    public static TimeSpan Delay(int failures, TimeSpan cap)
    {
        var seconds = Math.Min(cap.TotalSeconds, Math.Pow(2, Math.Min(failures - 1, 16)));
#pragma warning disable CA5394 // jitter, not security
        var jitter = 0.8 + (Random.Shared.NextDouble() * 0.4);
#pragma warning restore CA5394
        return TimeSpan.FromSeconds(Math.Min(cap.TotalSeconds, seconds * jitter));
    }
}

using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace DeadlineGuard.Bench.FakeApi;

/// <summary>The API paths the reconciler uses, and a 404 Status for everything else.</summary>
internal static class FakeKubernetes
{
    private const string RolloutsPath = "/apis/argoproj.io/v1alpha1/rollouts";
    private static readonly byte[] Comma = ","u8.ToArray();

    public static void MapFakeKubernetes(this WebApplication app, RolloutStore store, FakeOptions options, FakeStats stats, WatchHub hub)
    {
        app.MapGet(RolloutsPath, (HttpContext context) => context.Request.Query["watch"] is ["true"] or ["1"]
            ? WatchAsync(context, store, options, stats, hub)
            : ListAsync(context, store, stats));
        app.MapMethods("/apis/argoproj.io/v1alpha1/namespaces/{ns}/rollouts/{name}/status", ["PATCH"], async (HttpContext context, string ns, string name) =>
        {
            var at = DateTimeOffset.UtcNow;
            lock (stats.Aborts)
            {
                stats.Aborts.Add(($"{ns}/{name}", at));
            }

            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body, context.RequestAborted);
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(new JsonObject
            {
                ["apiVersion"] = "argoproj.io/v1alpha1",
                ["kind"] = "Rollout",
                ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns },
                ["status"] = new JsonObject { ["abort"] = true },
            }.ToJsonString(), context.RequestAborted);
        });
        app.MapPost("/fake/make-due", () =>
        {
            var (line, rollout, dueAt) = store.MakeDue(DateTimeOffset.UtcNow);
            var watches = hub.Broadcast(line);
            return Results.Json(new { rollout, dueAt, watches });
        });
        app.MapPost("/apis/events.k8s.io/v1/namespaces/{ns}/events", async (HttpContext context) =>
        {
            Interlocked.Increment(ref stats.Events);
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body, context.RequestAborted);
            context.Response.StatusCode = StatusCodes.Status201Created;
            context.Response.ContentType = "application/json";
            await context.Response.Body.WriteAsync(body.ToArray(), context.RequestAborted);
        });
        app.MapGet("/fake/stats", () => Results.Json(new
        {
            rollouts = store.Count,
            timerDue = store.TimerDue is { } t ? new { rollout = t.Rollout, dueAt = t.DueAt } : null,
            watchDue = store.WatchDue is { } w ? new { rollout = w.Rollout, dueAt = w.DueAt } : null,
            timerLatenessMs = Lateness(stats, store.TimerDue),
            watchLatenessMs = Lateness(stats, store.WatchDue),
            aborts = Aborts(stats),
            counts = store.Counts.ToDictionary(c => c.Key.ToString(), c => c.Value),
            totalBytes = store.TotalBytes,
            generatedAt = store.GeneratedAt,
            earliestDue = store.EarliestDue,
            pages = Interlocked.Read(ref stats.Pages),
            fullLists = Interlocked.Read(ref stats.FullLists),
            watches = Interlocked.Read(ref stats.Watches),
            openWatches = Interlocked.Read(ref stats.OpenWatches),
            bookmarks = Interlocked.Read(ref stats.Bookmarks),
            events = Interlocked.Read(ref stats.Events),
            other = Interlocked.Read(ref stats.Other),
            lastOther = stats.LastOther,
        }));
        app.MapFallback((HttpContext context) =>
        {
            Interlocked.Increment(ref stats.Other);
            stats.LastOther = $"{context.Request.Method} {context.Request.Path}{context.Request.QueryString}";
            return Status(context, StatusCodes.Status404NotFound, "NotFound", "the server could not find the requested resource");
        });
    }

    private static object[] Aborts(FakeStats stats)
    {
        lock (stats.Aborts)
        {
            return [.. stats.Aborts.Select(a => new { rollout = a.Rollout, at = a.At })];
        }
    }

    /// <summary>How long after it fell due the Rollout was aborted (its first status patch), in ms; null when not (yet).</summary>
    private static double? Lateness(FakeStats stats, (string Rollout, DateTimeOffset DueAt)? due)
    {
        if (due is not { } d)
        {
            return null;
        }

        lock (stats.Aborts)
        {
            return stats.Aborts.Where(a => a.Rollout == d.Rollout).Select(a => (double?)Math.Round((a.At - d.DueAt).TotalMilliseconds, 1)).FirstOrDefault();
        }
    }

    /// <summary>
    /// One page, as the API server pages (limit, then continue with an opaque token; remainingItemCount), with the
    /// members in the order it writes a custom resource list: apiVersion, items, kind, metadata (Go's encoding/json
    /// sorts map keys, and custom resources are maps). A token from before the store last changed is answered 410
    /// Expired, as a compacted etcd revision is; a token that is not one of ours, 400.
    /// </summary>
    private static async Task ListAsync(HttpContext context, RolloutStore store, FakeStats stats)
    {
        var query = context.Request.Query;
        var limit = int.TryParse(query["limit"], NumberStyles.None, CultureInfo.InvariantCulture, out var l) && l > 0 ? l : store.Count;
        var offset = 0;
        var version = store.ResourceVersion;
        if (query["continue"] is [{ Length: > 0 } token])
        {
            if (!TryReadContinue(token, out var tokenVersion, out offset) || offset > store.Count)
            {
                await Status(context, StatusCodes.Status400BadRequest, "BadRequest", "invalid continue token");
                return;
            }

            if (tokenVersion != version)
            {
                await Status(context, StatusCodes.Status410Gone, "Expired", "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.");
                return;
            }
        }

        var end = Math.Min(store.Count, offset + limit);
        var page = Enumerable.Range(offset, end - offset).Select(store.Item).ToArray();
        var metadata = new JsonObject();
        if (end < store.Count)
        {
            metadata["continue"] = Continue(version, end);
            metadata["remainingItemCount"] = store.Count - end;
        }

        metadata["resourceVersion"] = version.ToString(CultureInfo.InvariantCulture);
        var head = """{"apiVersion":"argoproj.io/v1alpha1","items":["""u8.ToArray();
        var tail = Encoding.UTF8.GetBytes($$"""],"kind":"RolloutList","metadata":{{metadata.ToJsonString()}}}""");
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = head.Length + tail.Length + Math.Max(0, page.Length - 1) + page.Sum(i => (long)i.Length);
        var body = context.Response.Body;
        await body.WriteAsync(head, context.RequestAborted);
        for (var i = 0; i < page.Length; i++)
        {
            if (i > 0)
            {
                await body.WriteAsync(Comma, context.RequestAborted);
            }

            await body.WriteAsync(page[i], context.RequestAborted);
        }

        await body.WriteAsync(tail, context.RequestAborted);
        Interlocked.Increment(ref stats.Pages);
        if (end == store.Count)
        {
            Interlocked.Increment(ref stats.FullLists);
        }
    }

    // Opaque to the client, like the API server's (base64 of the list's resourceVersion and where to start).
    private static string Continue(long version, int offset) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{{\"v\":\"meta.k8s.io/v1\",\"rv\":{version},\"start\":{offset}}}")));

    private static bool TryReadContinue(string token, out long version, out int offset)
    {
        version = 0;
        offset = 0;
        try
        {
            var node = JsonNode.Parse(Convert.FromBase64String(token));
            offset = node?["start"]?.GetValue<int>() ?? -1;
            version = node?["rv"]?.GetValue<long>() ?? -1;
            return version >= 0 && offset >= 0;
        }
        catch (Exception e) when (e is FormatException or System.Text.Json.JsonException or InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>
    /// Stays open until timeoutSeconds: a BOOKMARK every BookmarkSeconds (when asked for) with the store's
    /// resourceVersion, and any change the store broadcasts (/fake/make-due), in order.
    /// </summary>
    private static async Task WatchAsync(HttpContext context, RolloutStore store, FakeOptions options, FakeStats stats, WatchHub hub)
    {
        var query = context.Request.Query;
        var timeout = int.TryParse(query["timeoutSeconds"], NumberStyles.None, CultureInfo.InvariantCulture, out var t) && t > 0 ? t : 1800;
        var bookmarks = query["allowWatchBookmarks"] is ["true"] or ["1"];
        Interlocked.Increment(ref stats.Watches);
        Interlocked.Increment(ref stats.OpenWatches);
        var lines = hub.Open();
        try
        {
            context.Response.ContentType = "application/json";
            await context.Response.StartAsync(context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
            using var until = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
            until.CancelAfter(TimeSpan.FromSeconds(timeout));
            using var bookmarkTimer = new Timer(
                _ =>
                {
                    if (bookmarks)
                    {
                        lines.Writer.TryWrite(Encoding.UTF8.GetBytes(
                            """{"type":"BOOKMARK","object":{"kind":"Rollout","apiVersion":"argoproj.io/v1alpha1","metadata":{"resourceVersion":"""
                            + "\"" + store.ResourceVersion.ToString(CultureInfo.InvariantCulture) + "\""
                            + ""","creationTimestamp":null},"spec":{},"status":{}}}""" + "\n"));
                        Interlocked.Increment(ref stats.Bookmarks);
                    }
                },
                null,
                TimeSpan.FromSeconds(options.BookmarkSeconds),
                TimeSpan.FromSeconds(options.BookmarkSeconds));
            await foreach (var line in lines.Reader.ReadAllAsync(until.Token))
            {
                await context.Response.Body.WriteAsync(line, until.Token);
                await context.Response.Body.FlushAsync(until.Token);
            }
        }
        catch (OperationCanceledException)
        {
            // timeoutSeconds reached, or the client went away: the stream simply ends.
        }
        finally
        {
            hub.Close(lines);
            Interlocked.Decrement(ref stats.OpenWatches);
        }
    }

    private static Task Status(HttpContext context, int code, string reason, string message)
    {
        context.Response.StatusCode = code;
        context.Response.ContentType = "application/json";
        var status = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Failure",
            ["message"] = message,
            ["reason"] = reason,
            ["details"] = new JsonObject(),
            ["code"] = code,
        };
        return context.Response.WriteAsync(status.ToJsonString(), context.RequestAborted);
    }
}

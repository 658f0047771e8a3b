using System.Text.Json.Nodes;
using DeadlineGuard.Tests.Support.FakeKube;

namespace DeadlineGuard.Bench.FakeApi;

/// <summary>
/// What the benchmark adds in front of the shared fake API server: GET /fake/stats and POST /fake/make-due, answered
/// here, and counters of the requests the fake API serves: list pages and lists started, watches, Events, status
/// patches (aborts, with their times), the report keeper's look for a report CRD (none is served), and anything else (any other request, or any answered with an error), so that
/// the script can check nothing else was asked for.
/// </summary>
internal sealed class BenchEndpoints(RolloutWorkload workload, FakeStats stats, FakeKubeApiServer kube)
{
    private const string RolloutsPath = "/apis/argoproj.io/v1alpha1/rollouts";
    private const string EventsPath = "/apis/events.k8s.io/v1/namespaces/";
    private static readonly string[] ReportPaths = ["/apis/wgpolicyk8s.io/", "/apis/openreports.io/"];

    public async Task HandleAsync(HttpContext context, RequestDelegate next)
    {
        var request = context.Request;
        var path = request.Path.Value ?? string.Empty;
        switch (request.Method, path)
        {
            case ("GET", "/fake/stats"):
                await Results.Json(Stats()).ExecuteAsync(context);
                return;
            case ("POST", "/fake/make-due"):
                var (rollout, dueAt) = workload.MakeDue(kube, DateTimeOffset.UtcNow);
                await Results.Json(new { rollout, dueAt, watches = kube.OpenWatches }).ExecuteAsync(context);
                return;
        }

        var at = DateTimeOffset.UtcNow;
        var watch = request.Query["watch"] is ["true"] or ["1"];
        var expected = true;
        if (request.Method == "GET" && path == RolloutsPath && watch)
        {
            Interlocked.Increment(ref stats.Watches);
        }
        else if (request.Method == "GET" && path == RolloutsPath)
        {
            Interlocked.Increment(ref stats.Pages);
            if (request.Query["continue"] is not [{ Length: > 0 }])
            {
                Interlocked.Increment(ref stats.Lists);
            }
        }
        else if (request.Method == "PATCH" && path.StartsWith("/apis/argoproj.io/v1alpha1/namespaces/", StringComparison.Ordinal) && path.EndsWith("/status", StringComparison.Ordinal))
        {
            var parts = path.Split('/');
            lock (stats.Aborts)
            {
                stats.Aborts.Add(($"{parts[5]}/{parts[7]}", at));
            }
        }
        else if (request.Method == "POST" && path.StartsWith(EventsPath, StringComparison.Ordinal) && path.EndsWith("/events", StringComparison.Ordinal))
        {
            Interlocked.Increment(ref stats.Events);
        }
        else if (request.Method == "GET" && ReportPaths.Any(p => path.StartsWith(p, StringComparison.Ordinal)))
        {
            // The report keeper asking whether a report CRD is installed: the fake serves none, so 404, as expected.
            Interlocked.Increment(ref stats.ReportProbes);
            await next(context);
            return;
        }
        else
        {
            expected = false;
        }

        await next(context);
        if (!expected || context.Response.StatusCode >= 400)
        {
            Interlocked.Increment(ref stats.Other);
            stats.LastOther = $"{request.Method} {path}{request.QueryString} -> {context.Response.StatusCode}";
        }
    }

    private object Stats() => new
    {
        rollouts = workload.Count,
        timerDue = workload.TimerDue is { } t ? new { rollout = t.Rollout, dueAt = t.DueAt } : null,
        watchDue = workload.WatchDue is { } w ? new { rollout = w.Rollout, dueAt = w.DueAt } : null,
        timerLatenessMs = Lateness(workload.TimerDue),
        watchLatenessMs = Lateness(workload.WatchDue),
        aborts = Aborts(),
        counts = workload.Counts.ToDictionary(c => c.Key.ToString(), c => c.Value),
        totalBytes = workload.TotalBytes,
        generatedAt = workload.GeneratedAt,
        earliestDue = workload.EarliestDue,
        resourceVersion = kube.ResourceVersion,
        pages = Interlocked.Read(ref stats.Pages),
        lists = Interlocked.Read(ref stats.Lists),
        watches = Interlocked.Read(ref stats.Watches),
        openWatches = kube.OpenWatches,
        bookmarks = Interlocked.Read(ref stats.Bookmarks),
        events = Interlocked.Read(ref stats.Events),
        reportProbes = Interlocked.Read(ref stats.ReportProbes),
        other = Interlocked.Read(ref stats.Other),
        lastOther = stats.LastOther,
    };

    private object[] Aborts()
    {
        lock (stats.Aborts)
        {
            return [.. stats.Aborts.Select(a => new { rollout = a.Rollout, at = a.At })];
        }
    }

    /// <summary>How long after it fell due the Rollout was aborted (its first status patch), in ms; null when not (yet).</summary>
    private double? Lateness((string Rollout, DateTimeOffset DueAt)? due)
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
}

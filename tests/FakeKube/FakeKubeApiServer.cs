using System.Globalization;
using System.Text.Json.Nodes;
using k8s;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace DeadlineGuard.Tests.Support.FakeKube;

/// <summary>
/// A fake Kubernetes API server for tests: real HTTP (Kestrel, plain http on 127.0.0.1, a free port), an in-memory
/// store, and the real KubernetesClient talking to it, the way KubernetesClient's own tests use MockKubeApiServer.
/// <para>
/// Usage:
/// <code>
/// await using var kube = await FakeKubeApiServer.StartAsync();
/// kube.Seed(rollout);                                   // state as "another actor"; emits watch events
/// var client = kube.Client;                            // IKubernetes bound to kube.Url, disposed with the server
/// await reconciler.RunOnceAsync(client);               // code under test
/// var patch = await kube.WaitForRequestAsync(r => r.Method == "PATCH", TimeSpan.FromSeconds(5));
/// kube.Get("rollouts", "shop", "web")!["status"]!["abort"]!.GetValue&lt;bool&gt;().ShouldBeTrue();
/// </code>
/// </para>
/// <para>
/// Served (see <see cref="FakeKubeResource.Defaults"/>; <see cref="Register"/> adds types): for every type, list
/// (limit/continue, every page from the first page's resourceVersion as the API server serves it, see FakeKubeStore.List; labelSelector equality terms, fieldSelector on metadata.name/namespace), watch (watch=true|1,
/// resourceVersion, allowWatchBookmarks, timeoutSeconds), get, create (generateName, 409 AlreadyExists), replace
/// (409 Conflict when the body's resourceVersion is stale), patch (merge, JSON patch with add/remove/replace/test;
/// strategic merge is treated as merge for built-in types and refused with 415 for custom ones), delete; and the
/// status subresource (GET/PUT/PATCH) for types with <see cref="FakeKubeResource.HasStatus"/>: writes there change
/// only status, writes to the main resource keep the stored status. Objects are <see cref="JsonObject"/>s here and
/// JSON bytes in the store (so 100,000 realistic Rollouts fit in about their size, for the benchmarks); one
/// global resourceVersion counts every write; uid and creationTimestamp are set on create; metadata.generation is
/// never bumped and, through the API, never changed (the test controls may set it, as a spec change would). A write
/// that changes nothing is a no-op (no new version, no event), as on the real server. Anything else: 404 Status.
/// </para>
/// <para>
/// Watches replay every logged change after the requested version, then stream live changes, one JSON event per
/// line. Note KubernetesClient's watch call reads the first line before it returns, so a watch with nothing to
/// report stays pending on the client side until the first event (use <see cref="WaitForWatchAsync"/> to know the
/// server side is open), and a stream ended before any event surfaces as an exception in the client.
/// </para>
/// <para>
/// Controls: <see cref="FailNext"/>, <see cref="BeforeAnswering"/>, <see cref="EndWatches"/>, <see cref="SendBookmarks"/>,
/// <see cref="ExpireWatchesBefore"/> (watch ERROR 410 Expired, as a compacted etcd gives),
/// <see cref="NextWatchReturns410"/> (HTTP 410 with a Status), <see cref="Requests"/> and the waits. Timestamps
/// and watch timeoutSeconds follow the <see cref="TimeProvider"/> given to <see cref="StartAsync"/>.
/// </para>
/// </summary>
public sealed partial class FakeKubeApiServer : IAsyncDisposable
{
    private static readonly TimeSpan DefaultWait = TimeSpan.FromSeconds(10);

    private readonly WebApplication app;
    private readonly FakeKubeStore store;
    private readonly TimeProvider time;
    private readonly Signal<RecordedRequest> requests = new();
    private readonly Signal<OpenedWatch> watchesOpened = new();
    private readonly Lock failuresGate = new();
    private readonly List<FailureRule> failures = [];
    private readonly List<(Func<RecordedRequest, bool> Match, Action Action)> hooks = [];
    private readonly Lazy<Kubernetes> client;
    private int next410;

    private FakeKubeApiServer(WebApplication app, FakeKubeStore store, TimeProvider time)
    {
        this.app = app;
        this.store = store;
        this.time = time;
        client = new Lazy<Kubernetes>(CreateClient);
    }

    /// <summary>The base address, e.g. "http://127.0.0.1:41234".</summary>
    public string Url { get; private set; } = string.Empty;

    /// <summary>A client for <see cref="Url"/>, made on first use and disposed with the server.</summary>
    public IKubernetes Client => client.Value;

    /// <summary>
    /// Decides every request after injected failures and before routing, as the API server's authorizer does
    /// (k8s.io/apiserver/pkg/endpoints/filters/authorization.go): a non-null answer is the reason the request is
    /// refused, with 403 Forbidden and a Status body. Null (the default) allows everything.
    /// </summary>
    public Func<RecordedRequest, string?>? Authorizer { get; set; }

    /// <summary>The current global resourceVersion (the one a list made now would carry).</summary>
    public string ResourceVersion => store.ResourceVersion;

    /// <summary>Every request so far, in arrival order (failed and refused ones included).</summary>
    public IReadOnlyList<RecordedRequest> Requests => requests.Snapshot();

    /// <summary>How many watch streams have been opened since the start.</summary>
    public int WatchesOpened => watchesOpened.Count;

    /// <summary>How many watch streams are open now.</summary>
    public int OpenWatches => store.OpenWatchCount;

    /// <summary>Starts a server on a free loopback port.</summary>
    public static Task<FakeKubeApiServer> StartAsync(TimeProvider? time = null) => StartAsync(new FakeKubeServerOptions { Time = time });

    /// <summary>
    /// Starts a server as <paramref name="options"/> say: a fixed loopback port, and middleware that sees each request
    /// before the fake API does (a benchmark's own control endpoints and counters).
    /// </summary>
    public static async Task<FakeKubeApiServer> StartAsync(FakeKubeServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var time = options.Time ?? TimeProvider.System;
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().UseUrls($"http://127.0.0.1:{options.Port.ToString(CultureInfo.InvariantCulture)}");
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(2));
        var app = builder.Build();
        var server = new FakeKubeApiServer(app, new FakeKubeStore(time), time);
        if (options.Before is { } before)
        {
            app.Use(before);
        }

        app.Run(server.HandleAsync);
        await app.StartAsync();
        server.Url = app.Urls.Single().TrimEnd('/');
        return server;
    }

    /// <summary>A new client for <see cref="Url"/>; the caller disposes it.</summary>
    public Kubernetes CreateClient() => new(new KubernetesClientConfiguration { Host = Url });

    /// <summary>Serves one more resource type (a route table entry).</summary>
    public void Register(FakeKubeResource type) => store.Register(type);

    /// <summary>
    /// Creates an object as another actor would (emits ADDED). Its type comes from apiVersion and kind; a namespaced
    /// object without metadata.namespace goes to "default". Throws if it exists. Returns the stored copy.
    /// </summary>
    public JsonObject Seed(JsonObject obj)
    {
        var (type, copy) = Prepare(obj);
        return store.Insert(type, copy);
    }

    /// <summary>Creates the object, or replaces the stored one whole (keeping its uid and creationTimestamp); emits ADDED or MODIFIED.</summary>
    public JsonObject Upsert(JsonObject obj)
    {
        var (type, copy) = Prepare(obj);
        var meta = FakeKubeStore.Metadata(copy);
        var ns = FakeKubeStore.Text(meta["namespace"]);
        var name = FakeKubeStore.Text(meta["name"]) ?? throw new ArgumentException("the object has no metadata.name", nameof(obj));
        return store.Get(type, ns, name) is null ? store.Insert(type, copy) : store.Update(type, ns, name, _ => copy);
    }

    /// <summary>Changes a stored object as another actor would (emits MODIFIED unless nothing changed).</summary>
    public JsonObject Modify(string resource, string? ns, string name, Action<JsonObject> edit) =>
        Modify(store.Resolve(resource), ns, name, edit);

    /// <inheritdoc cref="Modify(string, string?, string, Action{JsonObject})"/>
    public JsonObject Modify(FakeKubeResource type, string? ns, string name, Action<JsonObject> edit) =>
        store.Update(type, ns, name, current =>
        {
            edit(current);
            return current;
        });

    /// <summary>Deletes as another actor would (emits DELETED); false when there was nothing to delete.</summary>
    public bool Delete(string resource, string? ns, string name) => Delete(store.Resolve(resource), ns, name);

    /// <inheritdoc cref="Delete(string, string?, string)"/>
    public bool Delete(FakeKubeResource type, string? ns, string name) => store.Delete(type, ns, name) is not null;

    /// <summary>
    /// A copy of the stored object, or null. <paramref name="resource"/> is a plural, kind, "plural.group" or
    /// "group/Kind" ("rollouts", "Lease", "argoproj.io/Rollout"); <paramref name="ns"/> is null for cluster-scoped types.
    /// </summary>
    public JsonObject? Get(string resource, string? ns, string name) => store.Get(store.Resolve(resource), ns, name);

    /// <inheritdoc cref="Get(string, string?, string)"/>
    public JsonObject? Get(FakeKubeResource type, string? ns, string name) => store.Get(type, ns, name);

    /// <summary>Copies of the stored objects of a type, in one namespace or all, ordered by namespace and name.</summary>
    public IReadOnlyList<JsonObject> List(string resource, string? ns = null) =>
        [.. store.List(store.Resolve(resource), ns, LabelSelector.Everything, FieldSelector.Everything, null, null).Items.Select(json => JsonNode.Parse(json)!.AsObject())];

    /// <summary>
    /// The next <paramref name="count"/> requests whose path and query contain <paramref name="pathContains"/>
    /// (any request when null) are answered <paramref name="statusCode"/> with a Status body, before any routing.
    /// </summary>
    public void FailNext(int count, int statusCode = 500, string? pathContains = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        lock (failuresGate)
        {
            failures.Add(new FailureRule(pathContains, statusCode) { Remaining = count });
        }
    }

    /// <summary>
    /// Runs <paramref name="action"/> once, when the first request matching <paramref name="match"/> has arrived and
    /// before it is answered: a change "between" two requests of a client (say, between two pages of a list).
    /// </summary>
    public void BeforeAnswering(Func<RecordedRequest, bool> match, Action action)
    {
        lock (failuresGate)
        {
            hooks.Add((match, action));
        }
    }

    /// <summary>Ends every open watch stream cleanly (after the events already queued on it), as the server's own timeout would.</summary>
    public void EndWatches() => store.EndWatches();

    /// <summary>Sends a BOOKMARK carrying the current resourceVersion to every open watch that asked for bookmarks; how many got one.</summary>
    public int SendBookmarks() => store.SendBookmarks();

    /// <summary>
    /// Acts as an etcd compaction: a watch (or a continued list) from a resourceVersion older than
    /// <paramref name="resourceVersion"/> is answered with a watch ERROR event carrying Status 410 Expired.
    /// </summary>
    public void ExpireWatchesBefore(string resourceVersion) => store.ExpireBefore(resourceVersion);

    /// <summary>The next watch request is answered HTTP 410 Gone with a Status body (reason Expired).</summary>
    public void NextWatchReturns410() => Interlocked.Exchange(ref next410, 1);

    /// <summary>
    /// Completes with the first request, already received or still to come, that matches; throws
    /// <see cref="TimeoutException"/> after <paramref name="timeout"/>. To wait only for later requests, compare
    /// <see cref="RecordedRequest.Sequence"/> with <c>Requests.Count</c> taken before.
    /// </summary>
    public Task<RecordedRequest> WaitForRequestAsync(Func<RecordedRequest, bool> match, TimeSpan timeout) =>
        requests.WaitAsync(match, timeout, "matching request");

    /// <summary>
    /// Completes when the <paramref name="count"/>-th watch stream since the start is open: registered for events
    /// and its response headers sent. Returns that watch's request.
    /// </summary>
    public async Task<RecordedRequest> WaitForWatchAsync(int count = 1, TimeSpan? timeout = null) =>
        (await watchesOpened.WaitAsync(w => w.Sequence >= count, timeout ?? DefaultWait, $"watch number {count}")).Request;

    public async ValueTask DisposeAsync()
    {
        store.EndWatches();
        if (client.IsValueCreated)
        {
            client.Value.Dispose();
        }

        using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await app.StopAsync(stopping.Token);
        await app.DisposeAsync();
    }

    private (FakeKubeResource Type, JsonObject Copy) Prepare(JsonObject obj)
    {
        var type = store.TypeOf(obj);
        var copy = (JsonObject)obj.DeepClone();
        var meta = FakeKubeStore.Metadata(copy);
        if (type.Namespaced)
        {
            meta["namespace"] ??= "default";
        }
        else
        {
            meta.Remove("namespace");
        }

        return (type, copy);
    }

    private sealed record FailureRule(string? PathContains, int StatusCode)
    {
        public int Remaining { get; set; }
    }
}

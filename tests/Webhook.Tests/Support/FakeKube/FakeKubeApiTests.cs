using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using k8s;
using k8s.Autorest;
using k8s.LeaderElection;
using k8s.LeaderElection.ResourceLock;
using k8s.Models;
using Microsoft.Extensions.Time.Testing;

namespace DeadlineGuard.Tests.Support.FakeKube;

/// <summary>The fake API server, driven through the real KubernetesClient as the reconciler will drive it.</summary>
public sealed class FakeKubeApiTests
{
    private const string Group = "argoproj.io";
    private const string Version = "v1alpha1";
    private const string Plural = "rollouts";
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Lists_rollouts_cluster_wide_in_pages_and_by_namespace()
    {
        await using var kube = await FakeKubeApiServer.StartAsync();
        foreach (var (ns, name) in new[] { ("shop", "web"), ("shop", "api"), ("pay", "ledger"), ("pay", "card"), ("shop", "cart") })
        {
            kube.Seed(Rollout(ns, name));
        }

        var names = new List<string>();
        var versions = new HashSet<string>();
        string? continueToken = null;
        var pages = 0;
        do
        {
            using var response = await kube.Client.CustomObjects.ListClusterCustomObjectWithHttpMessagesAsync<JsonObject>(
                Group, Version, Plural, limit: 2, continueParameter: continueToken);
            var list = response.Body;
            list["kind"]!.GetValue<string>().ShouldBe("RolloutList");
            list["apiVersion"]!.GetValue<string>().ShouldBe("argoproj.io/v1alpha1");
            versions.Add(list["metadata"]!["resourceVersion"]!.GetValue<string>());
            names.AddRange(list["items"]!.AsArray().Select(i => $"{i!["metadata"]!["namespace"]}/{i["metadata"]!["name"]}"));
            continueToken = list["metadata"]!["continue"]?.GetValue<string>();
            pages++;
        }
        while (continueToken is not null);

        pages.ShouldBe(3);
        names.ShouldBe(["pay/card", "pay/ledger", "shop/api", "shop/cart", "shop/web"]);
        versions.ShouldBe([kube.ResourceVersion]);
        kube.Requests.ShouldContain(r => r.Path == "/apis/argoproj.io/v1alpha1/rollouts" && r.Query.Contains("limit=2", StringComparison.Ordinal));

        var shop = (JsonElement)await kube.Client.CustomObjects.ListNamespacedCustomObjectAsync(Group, Version, "shop", Plural);
        shop.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("metadata").GetProperty("name").GetString())
            .ShouldBe(["api", "cart", "web"]);
    }

    [Fact]
    public async Task Continued_pages_show_the_list_as_of_its_first_page_and_a_compacted_token_is_410()
    {
        await using var kube = await FakeKubeApiServer.StartAsync();
        foreach (var name in (string[])["a", "b", "c", "d"])
        {
            kube.Seed(Rollout("shop", name));
        }

        using var first = await kube.Client.CustomObjects.ListClusterCustomObjectWithHttpMessagesAsync<JsonObject>(Group, Version, Plural, limit: 2);
        var token = first.Body["metadata"]!["continue"]!.GetValue<string>();
        var listVersion = first.Body["metadata"]!["resourceVersion"]!.GetValue<string>();

        // Between the pages: c changes, d goes, e comes. The second page is still the list as it was.
        kube.Modify("rollouts", "shop", "c", r => r["spec"]!["replicas"] = 9);
        kube.Delete("rollouts", "shop", "d");
        kube.Seed(Rollout("shop", "e"));
        using var second = await kube.Client.CustomObjects.ListClusterCustomObjectWithHttpMessagesAsync<JsonObject>(Group, Version, Plural, limit: 2, continueParameter: token);

        second.Body["items"]!.AsArray().Select(i => i!["metadata"]!["name"]!.GetValue<string>()).ShouldBe(["c", "d"]);
        second.Body["items"]![0]!["spec"]!["replicas"]!.GetValue<int>().ShouldBe(3);
        second.Body["metadata"]!["resourceVersion"]!.GetValue<string>().ShouldBe(listVersion);
        second.Body["metadata"]!["continue"].ShouldBeNull();

        kube.ExpireWatchesBefore(kube.ResourceVersion);
        var expired = await Should.ThrowAsync<HttpOperationException>(() => kube.Client.CustomObjects.ListClusterCustomObjectWithHttpMessagesAsync<JsonObject>(Group, Version, Plural, limit: 2, continueParameter: token));
        expired.Response.StatusCode.ShouldBe(HttpStatusCode.Gone);
    }

    [Fact]
    public async Task A_watch_from_a_list_version_sees_added_modified_and_bookmark_events()
    {
        await using var kube = await FakeKubeApiServer.StartAsync();
        kube.Seed(Rollout("shop", "old"));
        var list = (JsonElement)await kube.Client.CustomObjects.ListClusterCustomObjectAsync(Group, Version, Plural);
        var listVersion = list.GetProperty("metadata").GetProperty("resourceVersion").GetString();

        await using var watch = new WatchCollector((onError, ct) => kube.Client.CustomObjects.WatchListClusterCustomObjectAsync(
            Group, Version, Plural, allowWatchBookmarks: true, resourceVersion: listVersion, timeoutSeconds: 300, onError: onError, cancellationToken: ct));
        var opened = await kube.WaitForWatchAsync();
        opened.Query.ShouldContain("watch=true");
        opened.Query.ShouldContain($"resourceVersion={listVersion}");
        opened.Query.ShouldContain("allowWatchBookmarks=true");

        kube.Seed(Rollout("shop", "web"));
        var (added, addedObject) = await watch.NextAsync();
        added.ShouldBe(WatchEventType.Added);
        addedObject["metadata"]!["name"]!.GetValue<string>().ShouldBe("web");

        await kube.Client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
            new V1Patch("{\"status\":{\"abort\":true}}", V1Patch.PatchType.MergePatch), Group, Version, "shop", Plural, "web");
        var (modified, modifiedObject) = await watch.NextAsync();
        modified.ShouldBe(WatchEventType.Modified);
        modifiedObject["status"]!["abort"]!.GetValue<bool>().ShouldBeTrue();
        modifiedObject["metadata"]!["resourceVersion"]!.GetValue<string>().ShouldBe(kube.ResourceVersion);

        kube.SendBookmarks();
        var (bookmark, bookmarkObject) = await watch.NextAsync();
        bookmark.ShouldBe(WatchEventType.Bookmark);
        JsonNode.DeepEquals(bookmarkObject, JsonNode.Parse($$$"""{"kind":"Rollout","apiVersion":"argoproj.io/v1alpha1","metadata":{"resourceVersion":"{{{kube.ResourceVersion}}}"}}""")).ShouldBeTrue();
        watch.Errors.ShouldBeEmpty();
    }

    [Fact]
    public async Task A_watch_resumes_from_an_older_version_and_again_after_the_server_ends_it()
    {
        await using var kube = await FakeKubeApiServer.StartAsync();
        var first = kube.Seed(Rollout("shop", "web"))["metadata"]!["resourceVersion"]!.GetValue<string>();
        kube.Seed(Rollout("shop", "api"));
        kube.Modify("rollouts", "shop", "web", r => r["spec"]!["replicas"] = 5);

        await using var watch = new WatchCollector((onError, ct) => kube.Client.CustomObjects.WatchListNamespacedCustomObjectAsync(
            Group, Version, "shop", Plural, resourceVersion: first, onError: onError, cancellationToken: ct));
        var (t1, o1) = await watch.NextAsync();
        var (t2, o2) = await watch.NextAsync();
        (t1, o1["metadata"]!["name"]!.GetValue<string>()).ShouldBe((WatchEventType.Added, "api"));
        (t2, o2["spec"]!["replicas"]!.GetValue<int>()).ShouldBe((WatchEventType.Modified, 5));
        var lastSeen = o2["metadata"]!["resourceVersion"]!.GetValue<string>();

        kube.EndWatches();
        await watch.Completion.WaitAsync(Wait);
        kube.OpenWatches.ShouldBe(0);
        kube.Delete("rollouts", "shop", "api");

        await using var resumed = new WatchCollector((onError, ct) => kube.Client.CustomObjects.WatchListNamespacedCustomObjectAsync(
            Group, Version, "shop", Plural, resourceVersion: lastSeen, onError: onError, cancellationToken: ct));
        var (t3, o3) = await resumed.NextAsync();
        (t3, o3["metadata"]!["name"]!.GetValue<string>()).ShouldBe((WatchEventType.Deleted, "api"));
        await kube.WaitForWatchAsync(count: 2);
        kube.Seed(Rollout("pay", "elsewhere"));
        kube.Seed(Rollout("shop", "cart"));
        var (t4, o4) = await resumed.NextAsync();
        (t4, o4["metadata"]!["name"]!.GetValue<string>()).ShouldBe((WatchEventType.Added, "cart"));
    }

    [Fact]
    public async Task A_watch_from_a_compacted_version_gets_an_error_event_with_status_410()
    {
        await using var kube = await FakeKubeApiServer.StartAsync();
        var first = kube.Seed(Rollout("shop", "web"))["metadata"]!["resourceVersion"]!.GetValue<string>();
        kube.Seed(Rollout("shop", "api"));
        kube.ExpireWatchesBefore(kube.ResourceVersion);

        await using var watch = new WatchCollector((onError, ct) => kube.Client.CustomObjects.WatchListClusterCustomObjectAsync(
            Group, Version, Plural, resourceVersion: first, allowWatchBookmarks: true, onError: onError, cancellationToken: ct));
        await watch.Completion.WaitAsync(Wait);

        watch.Received.ShouldBeEmpty();
        var error = watch.Errors.ShouldHaveSingleItem().ShouldBeOfType<KubernetesException>();
        error.Status.Code.ShouldBe(410);
        error.Status.Reason.ShouldBe("Expired");
    }

    [Fact]
    public async Task NextWatchReturns410_answers_the_next_watch_with_http_410_and_a_status_body()
    {
        await using var kube = await FakeKubeApiServer.StartAsync();
        kube.Seed(Rollout("shop", "web"));
        kube.NextWatchReturns410();

        await using var gone = new WatchCollector((onError, ct) => kube.Client.CustomObjects.WatchListClusterCustomObjectAsync(
            Group, Version, Plural, resourceVersion: "1", onError: onError, cancellationToken: ct));
        var failure = await Should.ThrowAsync<HttpOperationException>(() => gone.Completion.WaitAsync(Wait));
        failure.Response.StatusCode.ShouldBe(HttpStatusCode.Gone);
        var status = JsonNode.Parse(failure.Response.Content)!;
        (status["kind"]!.GetValue<string>(), status["reason"]!.GetValue<string>(), status["code"]!.GetValue<int>()).ShouldBe(("Status", "Expired", 410));

        await using var fresh = new WatchCollector((onError, ct) => kube.Client.CustomObjects.WatchListClusterCustomObjectAsync(
            Group, Version, Plural, onError: onError, cancellationToken: ct));
        var (type, obj) = await fresh.NextAsync();
        (type, obj["metadata"]!["name"]!.GetValue<string>()).ShouldBe((WatchEventType.Added, "web"));
    }

    [Fact]
    public async Task A_watch_ended_before_any_event_fails_in_the_client_rather_than_ending_quietly()
    {
        // KubernetesClient reads the first line before the watch call returns: a reconciler must treat this as "reconnect".
        await using var kube = await FakeKubeApiServer.StartAsync();
        await using var watch = new WatchCollector((onError, ct) => kube.Client.CustomObjects.WatchListClusterCustomObjectAsync(
            Group, Version, Plural, resourceVersion: kube.ResourceVersion, onError: onError, cancellationToken: ct));
        await kube.WaitForWatchAsync();
        kube.EndWatches();

        var thrown = await Should.ThrowAsync<Exception>(() => watch.Completion.WaitAsync(Wait));
        thrown.ShouldBeOfType<HttpRequestException>().InnerException.ShouldBeOfType<EndOfStreamException>();
    }

    [Fact]
    public async Task On_the_wire_a_watch_is_chunked_json_lines_and_ends_at_timeoutSeconds_on_the_given_clock()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 27, 10, 0, 0, TimeSpan.Zero));
        await using var kube = await FakeKubeApiServer.StartAsync(clock);
        kube.Seed(Rollout("shop", "web"))["metadata"]!["creationTimestamp"]!.GetValue<string>().ShouldBe("2026-11-27T10:00:00Z");
        using var http = new HttpClient { BaseAddress = new Uri(kube.Url) };

        using var response = await http.GetAsync(
            new Uri("/apis/argoproj.io/v1alpha1/namespaces/shop/rollouts?watch=1&resourceVersion=0&timeoutSeconds=30", UriKind.Relative),
            HttpCompletionOption.ResponseHeadersRead);
        response.Headers.TransferEncodingChunked.ShouldBe(true);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/json");
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var first = JsonNode.Parse((await reader.ReadLineAsync().WaitAsync(Wait))!)!;
        first["type"]!.GetValue<string>().ShouldBe("ADDED");
        first["object"]!["metadata"]!["name"]!.GetValue<string>().ShouldBe("web");

        await kube.WaitForWatchAsync();
        clock.Advance(TimeSpan.FromSeconds(31));
        (await reader.ReadLineAsync().WaitAsync(Wait)).ShouldBeNull();
    }

    [Fact]
    public async Task Status_patches_change_only_status_and_main_patches_keep_it()
    {
        await using var kube = await FakeKubeApiServer.StartAsync();
        var seeded = kube.Seed(Rollout("shop", "web", generation: 3));

        var patched = (JsonElement)await kube.Client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
            new V1Patch("{\"status\":{\"abort\":true},\"spec\":{\"replicas\":99}}", V1Patch.PatchType.MergePatch), Group, Version, "shop", Plural, "web");
        patched.GetProperty("status").GetProperty("abort").GetBoolean().ShouldBeTrue();
        patched.GetProperty("spec").GetProperty("replicas").GetInt32().ShouldBe(3);

        await kube.Client.CustomObjects.PatchNamespacedCustomObjectAsync(
            new V1Patch("{\"status\":{\"abort\":false},\"metadata\":{\"annotations\":{\"a\":\"b\"}}}", V1Patch.PatchType.MergePatch), Group, Version, "shop", Plural, "web");
        var stored = kube.Get("argoproj.io/Rollout", "shop", "web")!;
        stored["status"]!["abort"]!.GetValue<bool>().ShouldBeTrue();
        stored["metadata"]!["annotations"]!["a"]!.GetValue<string>().ShouldBe("b");
        stored["metadata"]!["generation"]!.GetValue<int>().ShouldBe(3);
        stored["metadata"]!["uid"]!.GetValue<string>().ShouldBe(seeded["metadata"]!["uid"]!.GetValue<string>());

        var versionBefore = kube.ResourceVersion;
        await kube.Client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
            new V1Patch("{\"status\":{\"abort\":true}}", V1Patch.PatchType.MergePatch), Group, Version, "shop", Plural, "web");
        kube.ResourceVersion.ShouldBe(versionBefore, "a patch that changes nothing is a no-op");

        kube.Requests.Where(r => r.Method == "PATCH").Select(r => (r.Path, r.ContentType)).ShouldBe([
            ("/apis/argoproj.io/v1alpha1/namespaces/shop/rollouts/web/status", "application/merge-patch+json; charset=utf-8"),
            ("/apis/argoproj.io/v1alpha1/namespaces/shop/rollouts/web", "application/merge-patch+json; charset=utf-8"),
            ("/apis/argoproj.io/v1alpha1/namespaces/shop/rollouts/web/status", "application/merge-patch+json; charset=utf-8"),
        ]);
        var missing = await Should.ThrowAsync<HttpOperationException>(() => kube.Client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
            new V1Patch("{\"status\":{\"abort\":true}}", V1Patch.PatchType.MergePatch), Group, Version, "shop", Plural, "gone"));
        missing.Response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        JsonNode.Parse(missing.Response.Content)!["message"]!.GetValue<string>().ShouldBe("rollouts.argoproj.io \"gone\" not found");
    }

    [Fact]
    public async Task Events_are_created_once_per_name_and_generateName_makes_names()
    {
        await using var kube = await FakeKubeApiServer.StartAsync();
        var ev = new Eventsv1Event
        {
            Metadata = new V1ObjectMeta { Name = "web.deadline", NamespaceProperty = "shop" },
            EventTime = new DateTime(2026, 11, 27, 10, 0, 0, DateTimeKind.Utc),
            Type = "Warning",
            Reason = "DeadlinePassed",
            Action = "Abort",
            Note = "the rollout passed its deadline",
            ReportingController = "deadline-guard",
            ReportingInstance = "deadline-guard-0",
            Regarding = new V1ObjectReference { ApiVersion = "argoproj.io/v1alpha1", Kind = "Rollout", Name = "web", NamespaceProperty = "shop" },
        };

        var created = await kube.Client.EventsV1.CreateNamespacedEventAsync(ev, "shop");
        created.Metadata.Uid.ShouldNotBeNullOrEmpty();
        created.Reason.ShouldBe("DeadlinePassed");
        var again = await Should.ThrowAsync<HttpOperationException>(() => kube.Client.EventsV1.CreateNamespacedEventAsync(ev, "shop"));
        again.Response.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        JsonNode.Parse(again.Response.Content)!["reason"]!.GetValue<string>().ShouldBe("AlreadyExists");

        ev.Metadata = new V1ObjectMeta { GenerateName = "web." };
        var generated = await kube.Client.EventsV1.CreateNamespacedEventAsync(ev, "shop");
        generated.Metadata.Name.ShouldStartWith("web.");
        generated.Metadata.Name.Length.ShouldBe("web.".Length + 5);
        kube.Get(FakeKubeResource.Events, "shop", generated.Metadata.Name)!["note"]!.GetValue<string>().ShouldBe("the rollout passed its deadline");
    }

    [Fact]
    public async Task Two_lease_lock_electors_take_turns_one_leader_at_a_time()
    {
        await using var kube = await FakeKubeApiServer.StartAsync();
        var leaders = 0;
        var mostLeaders = 0;
        var aLeads = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var bSawA = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var bLeads = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        LeaderElector Elector(string identity, TaskCompletionSource leads)
        {
            var elector = new LeaderElector(new LeaderElectionConfig(new LeaseLock(kube.Client, "deadline-guard", "reconciler", identity))
            {
                LeaseDuration = TimeSpan.FromMilliseconds(1500),
                RenewDeadline = TimeSpan.FromMilliseconds(600),
                RetryPeriod = TimeSpan.FromMilliseconds(100),
            });
            elector.OnStartedLeading += () =>
            {
                var now = Interlocked.Increment(ref leaders);
                InterlockedMax(ref mostLeaders, now);
                leads.TrySetResult();
            };
            elector.OnStoppedLeading += () => Interlocked.Decrement(ref leaders);
            return elector;
        }

        using var a = Elector("a", aLeads);
        using var b = Elector("b", bLeads);
        b.OnNewLeader += leader =>
        {
            if (leader == "a")
            {
                bSawA.TrySetResult();
            }
        };
        using var stopA = new CancellationTokenSource();
        using var stopB = new CancellationTokenSource();
        var runA = a.RunUntilLeadershipLostAsync(stopA.Token);
        await aLeads.Task.WaitAsync(Wait);
        var runB = b.RunUntilLeadershipLostAsync(stopB.Token);
        await bSawA.Task.WaitAsync(Wait);
        await kube.WaitForRequestAsync(r => r.Method == "PUT" && r.Body.Contains("\"holderIdentity\":\"a\"", StringComparison.Ordinal), Wait);
        b.IsLeader().ShouldBeFalse();
        a.IsLeader().ShouldBeTrue();

        await stopA.CancelAsync();
        await EndedAsync(runA);
        await bLeads.Task.WaitAsync(Wait);

        b.IsLeader().ShouldBeTrue();
        mostLeaders.ShouldBe(1);
        var lease = kube.Get("leases", "deadline-guard", "reconciler")!;
        lease["spec"]!["holderIdentity"]!.GetValue<string>().ShouldBe("b");
        lease["spec"]!["leaseTransitions"]!.GetValue<int>().ShouldBe(1);
        kube.Requests.ShouldContain(r => r.Method == "POST" && r.Path == "/apis/coordination.k8s.io/v1/namespaces/deadline-guard/leases");

        await stopB.CancelAsync();
        await EndedAsync(runB);
    }

    [Fact]
    public async Task Lease_reads_404_when_absent_and_a_stale_replace_conflicts()
    {
        await using var kube = await FakeKubeApiServer.StartAsync();
        var absent = await Should.ThrowAsync<HttpOperationException>(() => kube.Client.CoordinationV1.ReadNamespacedLeaseAsync("reconciler", "deadline-guard"));
        absent.Response.StatusCode.ShouldBe(HttpStatusCode.NotFound);

        var created = await kube.Client.CoordinationV1.CreateNamespacedLeaseAsync(
            new V1Lease { Metadata = new V1ObjectMeta { Name = "reconciler" }, Spec = new V1LeaseSpec { HolderIdentity = "a" } }, "deadline-guard");
        created.Spec.HolderIdentity = "b";
        var replaced = await kube.Client.CoordinationV1.ReplaceNamespacedLeaseAsync(created, "reconciler", "deadline-guard");
        replaced.Metadata.ResourceVersion.ShouldNotBe(created.Metadata.ResourceVersion);

        created.Spec.HolderIdentity = "c";
        var stale = await Should.ThrowAsync<HttpOperationException>(() => kube.Client.CoordinationV1.ReplaceNamespacedLeaseAsync(created, "reconciler", "deadline-guard"));
        stale.Response.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        JsonNode.Parse(stale.Response.Content)!["reason"]!.GetValue<string>().ShouldBe("Conflict");
        (await kube.Client.CoordinationV1.ReadNamespacedLeaseAsync("reconciler", "deadline-guard")).Spec.HolderIdentity.ShouldBe("b");
    }

    [Fact]
    public async Task ReplicaSets_list_by_label_and_take_a_json_patch_that_removes_an_annotation()
    {
        await using var kube = await FakeKubeApiServer.StartAsync();
        kube.Seed(ReplicaSet("shop", "web-6d4f", new() { ["app"] = "web", ["rollouts-pod-template-hash"] = "6d4f" }, deadline: "2026-11-27T10:00:00Z"));
        kube.Seed(ReplicaSet("shop", "web-7a1b", new() { ["app"] = "web", ["rollouts-pod-template-hash"] = "7a1b" }, deadline: null));
        kube.Seed(ReplicaSet("shop", "api-1111", new() { ["app"] = "api" }, deadline: null));

        var web = await kube.Client.AppsV1.ListNamespacedReplicaSetAsync("shop", labelSelector: "app=web");
        web.Items.Select(rs => rs.Metadata.Name).ShouldBe(["web-6d4f", "web-7a1b"]);
        var one = await kube.Client.AppsV1.ListNamespacedReplicaSetAsync("shop", labelSelector: "app=web,rollouts-pod-template-hash=6d4f");
        one.Items.ShouldHaveSingleItem().Metadata.Annotations["scale-down-deadline"].ShouldBe("2026-11-27T10:00:00Z");

        var patched = await kube.Client.AppsV1.PatchNamespacedReplicaSetAsync(
            new V1Patch("[{\"op\":\"test\",\"path\":\"/metadata/annotations/scale-down-deadline\",\"value\":\"2026-11-27T10:00:00Z\"},{\"op\":\"remove\",\"path\":\"/metadata/annotations/scale-down-deadline\"}]", V1Patch.PatchType.JsonPatch),
            "web-6d4f", "shop");
        patched.Metadata.Annotations.ShouldNotContainKey("scale-down-deadline");
        patched.Metadata.Annotations["keep"].ShouldBe("me");
        kube.Get("replicasets", "shop", "web-6d4f")!["metadata"]!["annotations"]!.AsObject().ContainsKey("scale-down-deadline").ShouldBeFalse();
        kube.Requests.Last(r => r.Method == "PATCH").ContentType.ShouldBe("application/json-patch+json; charset=utf-8");

        var again = await Should.ThrowAsync<HttpOperationException>(() => kube.Client.AppsV1.PatchNamespacedReplicaSetAsync(
            new V1Patch("[{\"op\":\"remove\",\"path\":\"/metadata/annotations/scale-down-deadline\"}]", V1Patch.PatchType.JsonPatch), "web-6d4f", "shop"));
        again.Response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);

        await kube.Client.AppsV1.PatchNamespacedReplicaSetAsync(
            new V1Patch("{\"metadata\":{\"labels\":{\"scaled\":\"down\"}}}", V1Patch.PatchType.MergePatch), "web-7a1b", "shop");
        (await kube.Client.AppsV1.ListNamespacedReplicaSetAsync("shop", labelSelector: "scaled=down")).Items.ShouldHaveSingleItem().Metadata.Name.ShouldBe("web-7a1b");
    }

    [Fact]
    public async Task FailNext_fails_the_next_matching_calls_with_the_given_status()
    {
        await using var kube = await FakeKubeApiServer.StartAsync();
        kube.Seed(Rollout("shop", "web"));
        kube.FailNext(2, 503, pathContains: "/rollouts");

        var leases = await kube.Client.CoordinationV1.ListNamespacedLeaseAsync("default");
        leases.Items.ShouldBeEmpty();
        for (var i = 0; i < 2; i++)
        {
            var failed = await Should.ThrowAsync<HttpOperationException>(() => kube.Client.CustomObjects.GetNamespacedCustomObjectAsync(Group, Version, "shop", Plural, "web"));
            failed.Response.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
            JsonNode.Parse(failed.Response.Content)!["reason"]!.GetValue<string>().ShouldBe("ServiceUnavailable");
        }

        var web = (JsonElement)await kube.Client.CustomObjects.GetNamespacedCustomObjectAsync(Group, Version, "shop", Plural, "web");
        web.GetProperty("metadata").GetProperty("name").GetString().ShouldBe("web");
        kube.Requests.Count(r => r.Path.EndsWith("/rollouts/web", StringComparison.Ordinal)).ShouldBe(3);
    }

    [Fact]
    public async Task Unknown_paths_and_subresources_get_a_404_status()
    {
        await using var kube = await FakeKubeApiServer.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(kube.Url) };
        foreach (var path in new[] { "/apis/argoproj.io/v1alpha1/analysisruns", "/api/v1/namespaces/shop/pods", "/healthz", "/apis/argoproj.io/v1alpha1/namespaces/shop/rollouts/web/scale" })
        {
            using var response = await http.GetAsync(new Uri(path, UriKind.Relative));
            response.StatusCode.ShouldBe(HttpStatusCode.NotFound, path);
            var status = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
            (status["kind"]!.GetValue<string>(), status["apiVersion"]!.GetValue<string>(), status["status"]!.GetValue<string>(), status["reason"]!.GetValue<string>(), status["code"]!.GetValue<int>())
                .ShouldBe(("Status", "v1", "Failure", "NotFound", 404), path);
        }
    }

    [Fact]
    public async Task Secrets_and_webhook_configurations_take_the_generic_verbs()
    {
        await using var kube = await FakeKubeApiServer.StartAsync();
        var secret = await kube.Client.CoreV1.CreateNamespacedSecretAsync(
            new V1Secret { Metadata = new V1ObjectMeta { Name = "tls" }, Data = new Dictionary<string, byte[]> { ["ca.crt"] = "one"u8.ToArray() } }, "deadline-guard");
        secret.Data["ca.crt"] = "two"u8.ToArray();
        await kube.Client.CoreV1.ReplaceNamespacedSecretAsync(secret, "tls", "deadline-guard");
        await kube.Client.CoreV1.PatchNamespacedSecretAsync(new V1Patch("{\"metadata\":{\"labels\":{\"rotated\":\"yes\"}}}", V1Patch.PatchType.MergePatch), "tls", "deadline-guard");
        var read = await kube.Client.CoreV1.ReadNamespacedSecretAsync("tls", "deadline-guard");
        (System.Text.Encoding.UTF8.GetString(read.Data["ca.crt"]), read.Metadata.Labels["rotated"]).ShouldBe(("two", "yes"));

        kube.Seed(JsonNode.Parse("""
            {"apiVersion":"admissionregistration.k8s.io/v1","kind":"MutatingWebhookConfiguration","metadata":{"name":"deadline-guard"},
             "webhooks":[{"name":"mutate.deadline-guard.io","admissionReviewVersions":["v1"],"sideEffects":"None",
                          "clientConfig":{"caBundle":"b2xk","service":{"name":"deadline-guard","namespace":"deadline-guard"}}}]}
            """)!.AsObject());
        await kube.Client.AdmissionregistrationV1.PatchMutatingWebhookConfigurationAsync(
            new V1Patch("[{\"op\":\"replace\",\"path\":\"/webhooks/0/clientConfig/caBundle\",\"value\":\"bmV3\"}]", V1Patch.PatchType.JsonPatch), "deadline-guard");
        var mutating = await kube.Client.AdmissionregistrationV1.ReadMutatingWebhookConfigurationAsync("deadline-guard");
        Convert.ToBase64String(mutating.Webhooks[0].ClientConfig.CaBundle).ShouldBe("bmV3");

        var validating = await kube.Client.AdmissionregistrationV1.CreateValidatingWebhookConfigurationAsync(new V1ValidatingWebhookConfiguration
        {
            Metadata = new V1ObjectMeta { Name = "deadline-guard" },
            Webhooks = [new V1ValidatingWebhook { Name = "validate.deadline-guard.io", AdmissionReviewVersions = ["v1"], SideEffects = "None", ClientConfig = new Admissionregistrationv1WebhookClientConfig { Url = "https://example.invalid" } }],
        });
        validating.Webhooks[0].FailurePolicy = "Fail";
        await kube.Client.AdmissionregistrationV1.ReplaceValidatingWebhookConfigurationAsync(validating, "deadline-guard");
        kube.Get("validatingwebhookconfigurations", null, "deadline-guard")!["webhooks"]![0]!["failurePolicy"]!.GetValue<string>().ShouldBe("Fail");
    }

    [Fact]
    public async Task WaitForRequestAsync_sees_earlier_requests_and_times_out_without_a_match()
    {
        await using var kube = await FakeKubeApiServer.StartAsync();
        await kube.Client.CoordinationV1.ListNamespacedLeaseAsync("default");

        var earlier = await kube.WaitForRequestAsync(r => r.Path.EndsWith("/leases", StringComparison.Ordinal), Wait);
        earlier.Sequence.ShouldBe(1);
        var mark = kube.Requests.Count;
        var later = kube.WaitForRequestAsync(r => r.Sequence > mark && r.Method == "GET", Wait);
        later.IsCompleted.ShouldBeFalse();
        await kube.Client.CoordinationV1.ListNamespacedLeaseAsync("other");
        (await later).Path.ShouldBe("/apis/coordination.k8s.io/v1/namespaces/other/leases");

        await Should.ThrowAsync<TimeoutException>(() => kube.WaitForRequestAsync(r => r.Method == "DELETE", TimeSpan.FromMilliseconds(50)));
    }

    private static JsonObject Rollout(string ns, string name, int generation = 1) => new()
    {
        ["apiVersion"] = "argoproj.io/v1alpha1",
        ["kind"] = "Rollout",
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns, ["generation"] = generation },
        ["spec"] = new JsonObject { ["replicas"] = 3 },
    };

    private static JsonObject ReplicaSet(string ns, string name, Dictionary<string, string> labels, string? deadline)
    {
        var annotations = new JsonObject { ["keep"] = "me" };
        if (deadline is not null)
        {
            annotations["scale-down-deadline"] = deadline;
        }

        return new JsonObject
        {
            ["apiVersion"] = "apps/v1",
            ["kind"] = "ReplicaSet",
            ["metadata"] = new JsonObject
            {
                ["name"] = name,
                ["namespace"] = ns,
                ["labels"] = new JsonObject([.. labels.Select(l => KeyValuePair.Create(l.Key, (JsonNode?)l.Value))]),
                ["annotations"] = annotations,
            },
            ["spec"] = new JsonObject { ["replicas"] = 1, ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = labels["app"] } } },
        };
    }

    /// <summary>Waits for a cancelled elector to finish: depending on where the cancellation lands it returns or throws.</summary>
    private static async Task EndedAsync(Task run)
    {
        try
        {
            await run.WaitAsync(Wait);
        }
        catch (OperationCanceledException)
        {
            // cancelled while waiting: the elector stopped all the same
        }
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }

    /// <summary>Runs a KubernetesClient watch in the background and hands its events over one at a time.</summary>
    private sealed class WatchCollector : IAsyncDisposable
    {
        private readonly Channel<(WatchEventType Type, JsonObject Object)> events = Channel.CreateUnbounded<(WatchEventType, JsonObject)>();
        private readonly CancellationTokenSource stop = new();
        private readonly List<(WatchEventType, JsonObject)> received = [];
        private readonly List<Exception> errors = [];

        public WatchCollector(Func<Action<Exception>, CancellationToken, IAsyncEnumerable<(WatchEventType, object)>> watch)
        {
            Completion = Task.Run(async () =>
            {
                try
                {
                    await foreach (var (type, item) in watch(Record, stop.Token))
                    {
                        var obj = JsonObject.Create((JsonElement)item)!;
                        lock (received)
                        {
                            received.Add((type, obj));
                        }

                        events.Writer.TryWrite((type, obj));
                    }
                }
                finally
                {
                    events.Writer.TryComplete();
                }
            });
        }

        /// <summary>Ends when the watch ends; faults with what the enumeration threw.</summary>
        public Task Completion { get; }

        public IReadOnlyList<(WatchEventType Type, JsonObject Object)> Received
        {
            get
            {
                lock (received)
                {
                    return [.. received];
                }
            }
        }

        /// <summary>What KubernetesClient passed to onError (ERROR events arrive here as KubernetesException).</summary>
        public IReadOnlyList<Exception> Errors
        {
            get
            {
                lock (errors)
                {
                    return [.. errors];
                }
            }
        }

        public async Task<(WatchEventType Type, JsonObject Object)> NextAsync() =>
            await events.Reader.ReadAsync().AsTask().WaitAsync(Wait);

        public async ValueTask DisposeAsync()
        {
            await stop.CancelAsync();
            try
            {
                await Completion.WaitAsync(Wait);
            }
            catch (Exception e) when (e is OperationCanceledException or HttpOperationException or EndOfStreamException or HttpRequestException or IOException)
            {
                // the test looked at what it needed; a cancelled or failed watch is fine here
            }

            stop.Dispose();
        }

        private void Record(Exception e)
        {
            lock (errors)
            {
                errors.Add(e);
            }
        }
    }
}

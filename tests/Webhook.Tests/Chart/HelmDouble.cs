using System.Text.Json.Nodes;
using DeadlineGuard.Tests.Support.FakeKube;

namespace DeadlineGuard.Tests.Chart;

/// <summary>One run of a Job's pod: the Job, its container's args, and the ServiceAccount it runs as.</summary>
public sealed record JobPod(JsonObject Job, string Namespace, string ServiceAccount, string[] Args, int Attempt);

/// <summary>`helm install`, `helm upgrade` or `helm uninstall` failed, with Helm's own wording of why.</summary>
public sealed class HelmFailedException(string message) : Exception(message);

/// <summary>
/// A test double of Helm v4 (helm/helm, read at v4.1: pkg/action/install.go, upgrade.go, uninstall.go, hooks.go;
/// pkg/release/v1/util/manifest_sorter.go and kind_sorter.go; pkg/kube/client.go and statuswait.go) playing the
/// objects that `helm template` rendered against a <see cref="FakeKubeApiServer"/>, in Helm's order:
/// <list type="number">
/// <item>Install (Install.RunWithContext, performInstall): the chart's crds/ first (this chart has none, and the double
/// refuses a chart that has); a release object that already exists fails the install (existingResourceConflict); then
/// the pre-install hooks; then every release object, sorted by kind in InstallOrder (kind_sorter.go; a stable sort, so
/// objects of one kind keep the rendered order, and kinds not in the list come last, alphabetically), created kind by
/// kind (client.go, batchPerform); then the post-install hooks. Helm v4 waits for nothing but hooks unless --wait is
/// given (WaitStrategy "hookOnly"), so nothing else is waited for.</item>
/// <item>Hooks of one event (hooks.go, execHookWithDelayedShutdown): the hooks are first sorted by kind
/// (manifest_sorter.go, sortHooksByKind), then stably by weight and, for equal weights, by name (hookByWeight.Less).
/// One at a time: delete the previous object of that name when the policy has before-hook-creation (the default when
/// there is no policy: hookSetDeletePolicy); create it; wait until it is ready: a Job until it completes or fails, a Pod
/// until it succeeds or fails, anything else not at all (statuswait.go, WatchUntilReady: alwaysReady for other kinds).
/// A failed hook fails the whole operation ("failed pre-install: ..."). Once all have succeeded, those with
/// hook-succeeded are deleted, last first; on a failure the failed one is deleted if it has hook-failed, and the ones
/// before it if they have hook-succeeded.</item>
/// <item>Upgrade (Upgrade.releasingUpgrade): pre-upgrade hooks; then every rendered release object is created when
/// missing or updated (see <see cref="HelmUpdateMerge"/>), and the previous release's objects no longer rendered are
/// deleted (client.go, update); then post-upgrade hooks.</item>
/// <item>Uninstall (Uninstall.Run): pre-delete hooks; the release objects, deleted in UninstallOrder; post-delete hooks.
/// Hook objects are not release objects: they are deleted only by their own delete policy.</item>
/// </list>
/// A Job runs as the Kubernetes Job controller runs it with restartPolicy Never: a new pod per failure, at most
/// backoffLimit + 1 pods, then the Job fails with BackoffLimitExceeded. Each pod is played by <see cref="runPod"/>
/// (the test runs the container's real program), with the fake API server refusing, 403, whatever the RBAC objects
/// then stored do not grant the pod's ServiceAccount (<see cref="RbacAuthorizer"/>). Every object Helm creates is
/// checked against the API server's name and label rules (<see cref="KubernetesNameRules"/>) and refused, 422, when it
/// breaks one.
/// </summary>
public sealed class HelmDouble(FakeKubeApiServer api, Func<JobPod, Task<int>> runPod)
{
    /// <summary>The kinds the chart renders, as the fake API server serves them.</summary>
    public static IReadOnlyList<FakeKubeResource> Kinds { get; } =
    [
        new(string.Empty, "v1", "serviceaccounts", "ServiceAccount", Namespaced: true),
        new(string.Empty, "v1", "configmaps", "ConfigMap", Namespaced: true),
        new(string.Empty, "v1", "services", "Service", Namespaced: true),
        new(string.Empty, "v1", "pods", "Pod", Namespaced: true, HasStatus: true),
        new("apps", "v1", "deployments", "Deployment", Namespaced: true, HasStatus: true),
        new("batch", "v1", "jobs", "Job", Namespaced: true, HasStatus: true),
        new("policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget", Namespaced: true, HasStatus: true),
        new("rbac.authorization.k8s.io", "v1", "roles", "Role", Namespaced: true),
        new("rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding", Namespaced: true),
        new("rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", Namespaced: false),
        new("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding", Namespaced: false),
        new("cert-manager.io", "v1", "certificates", "Certificate", Namespaced: true, HasStatus: true),
        new("cert-manager.io", "v1", "issuers", "Issuer", Namespaced: true, HasStatus: true),
        new("monitoring.coreos.com", "v1", "servicemonitors", "ServiceMonitor", Namespaced: true),
    ];

    /// <summary>pkg/release/v1/util/kind_sorter.go, InstallOrder.</summary>
    public static string[] InstallOrder { get; } =
    [
        "PriorityClass", "Namespace", "NetworkPolicy", "ResourceQuota", "LimitRange", "PodSecurityPolicy", "PodDisruptionBudget",
        "ServiceAccount", "Secret", "SecretList", "ConfigMap", "StorageClass", "PersistentVolume", "PersistentVolumeClaim",
        "CustomResourceDefinition", "ClusterRole", "ClusterRoleList", "ClusterRoleBinding", "ClusterRoleBindingList", "Role",
        "RoleList", "RoleBinding", "RoleBindingList", "Service", "DaemonSet", "Pod", "ReplicationController", "ReplicaSet",
        "Deployment", "HorizontalPodAutoscaler", "StatefulSet", "Job", "CronJob", "IngressClass", "Ingress", "APIService",
        "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration",
    ];

    /// <summary>pkg/release/v1/util/kind_sorter.go, UninstallOrder: the webhooks go first so that they never block the rest.</summary>
    public static string[] UninstallOrder { get; } =
    [
        "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration", "APIService", "Ingress", "IngressClass", "Service",
        "CronJob", "Job", "StatefulSet", "HorizontalPodAutoscaler", "Deployment", "ReplicaSet", "ReplicationController", "Pod",
        "DaemonSet", "RoleBindingList", "RoleBinding", "RoleList", "Role", "ClusterRoleBindingList", "ClusterRoleBinding",
        "ClusterRoleList", "ClusterRole", "CustomResourceDefinition", "PersistentVolumeClaim", "PersistentVolume", "StorageClass",
        "ConfigMap", "SecretList", "Secret", "ServiceAccount", "PodDisruptionBudget", "PodSecurityPolicy", "LimitRange",
        "ResourceQuota", "NetworkPolicy", "Namespace", "PriorityClass",
    ];

    private readonly List<string> log = [];

    /// <summary>What the double did, one line per step ("pre-install: create ServiceAccount x", "Job x: pod 1 exited 0").</summary>
    public IReadOnlyList<string> Log => log;

    /// <summary>Called once the release objects are applied and before the post-install or post-upgrade hooks, to look at the cluster then.</summary>
    public Action? AfterReleaseObjects { get; set; }

    /// <summary>Serves every kind the chart renders on <paramref name="server"/>.</summary>
    public static void RegisterKinds(FakeKubeApiServer server)
    {
        foreach (var kind in Kinds)
        {
            server.Register(kind);
        }
    }

    public async Task InstallAsync(RenderedChart chart)
    {
        if (Directory.Exists(Path.Combine(RenderedChart.ChartDirectory, "crds")))
        {
            throw new NotSupportedException("the chart has a crds/ folder: Helm installs it before the pre-install hooks, which this double does not model");
        }

        var objects = SortByKind(chart.ReleaseObjects, InstallOrder);
        if (objects.FirstOrDefault(o => Live(o.Body) is not null) is { } existing)
        {
            throw new HelmFailedException($"INSTALLATION FAILED: unable to continue with install: {existing.Kind} \"{existing.Name}\" in namespace \"{existing.Namespace}\" exists and cannot be imported into the current release");
        }

        await HooksAsync(chart, "pre-install", "failed pre-install");
        foreach (var obj in objects)
        {
            Create(obj.Body, "install");
        }

        AfterReleaseObjects?.Invoke();
        await HooksAsync(chart, "post-install", "failed post-install");
    }

    public async Task UpgradeAsync(RenderedChart previous, RenderedChart next)
    {
        await HooksAsync(next, "pre-upgrade", "pre-upgrade hooks failed");
        foreach (var obj in SortByKind(next.ReleaseObjects, InstallOrder))
        {
            if (Live(obj.Body) is { } live)
            {
                var before = previous.ReleaseObjects.FirstOrDefault(o => o.Kind == obj.Kind && o.Name == obj.Name && o.Namespace == obj.Namespace);
                var merged = HelmUpdateMerge.Apply(before?.Body, obj.Body, live);
                api.Modify(TypeOf(obj.Body), obj.Namespace, obj.Name, current => Replace(current, merged));
                log.Add($"upgrade: update {obj.Kind} {obj.Name}");
            }
            else
            {
                Create(obj.Body, "upgrade");
            }
        }

        foreach (var gone in previous.ReleaseObjects.Where(o => !next.ReleaseObjects.Any(n => n.Kind == o.Kind && n.Name == o.Name && n.Namespace == o.Namespace)))
        {
            Delete(gone.Body, "upgrade");
        }

        AfterReleaseObjects?.Invoke();
        await HooksAsync(next, "post-upgrade", "post-upgrade hooks failed");
    }

    public async Task UninstallAsync(RenderedChart chart)
    {
        await HooksAsync(chart, "pre-delete", "pre-delete hooks failed");
        foreach (var obj in SortByKind(chart.ReleaseObjects, UninstallOrder))
        {
            Delete(obj.Body, "uninstall");
        }

        await HooksAsync(chart, "post-delete", "post-delete hooks failed");
    }

    /// <summary>The live copy of a rendered object in the fake API server, or null.</summary>
    public JsonObject? Live(JsonObject rendered) =>
        api.Get(TypeOf(rendered), TypeOf(rendered).Namespaced ? rendered["metadata"]!["namespace"]!.GetValue<string>() : null, rendered["metadata"]!["name"]!.GetValue<string>());

    private async Task HooksAsync(RenderedChart chart, string hookEvent, string failurePrefix)
    {
        var hooks = SortByKind(chart.Objects.Where(o => o.HookEvents.Contains(hookEvent)), InstallOrder)
            .OrderBy(h => h.HookWeight)
            .ThenBy(h => h.Name, StringComparer.Ordinal)
            .ToList();
        for (var i = 0; i < hooks.Count; i++)
        {
            var hook = hooks[i];
            if (hook.HookDeletePolicies.Contains("before-hook-creation") && Live(hook.Body) is not null)
            {
                Delete(hook.Body, hookEvent);
            }

            if (hook.Kind == "Pod")
            {
                throw new NotSupportedException($"{hook}: a Pod hook outside `helm test` is not modelled");
            }

            Create(hook.Body, hookEvent);
            if (hook.Kind is "Job" && await RunJobAsync(hook) is { } failure)
            {
                if (hook.HookDeletePolicies.Contains("hook-failed"))
                {
                    Delete(hook.Body, hookEvent);
                }

                foreach (var done in hooks.Take(i).Where(h => h.HookDeletePolicies.Contains("hook-succeeded")))
                {
                    Delete(done.Body, hookEvent);
                }

                throw new HelmFailedException($"{failurePrefix}: warning: Hook {hookEvent} {hook.Source} failed: {failure}");
            }
        }

        foreach (var hook in Enumerable.Reverse(hooks).Where(h => h.HookDeletePolicies.Contains("hook-succeeded")))
        {
            Delete(hook.Body, hookEvent);
        }
    }

    /// <summary>Null when the Job completed; else why it failed, as the Job's Failed condition says.</summary>
    private async Task<string?> RunJobAsync(RenderedObject job)
    {
        var spec = job.PodSpec!;
        var account = spec["serviceAccountName"]?.GetValue<string>() ?? "default";
        var ns = job.Namespace!;
        var attempts = (job.Body["spec"]?["backoffLimit"]?.GetValue<int>() ?? 6) + 1;
        var authorizer = new RbacAuthorizer(api, ns, account);
        for (var attempt = 1; attempt <= attempts; attempt++)
        {
            api.Authorizer = authorizer.Refusal;
            int exit;
            try
            {
                exit = await runPod(new JobPod((JsonObject)job.Body.DeepClone(), ns, account, [.. job.Args], attempt));
            }
            finally
            {
                api.Authorizer = null;
            }

            log.Add($"Job {job.Name}: pod {attempt} exited {exit}");
            if (exit == 0)
            {
                SetJobCondition(job, "Complete", "CompletionsReached");
                return null;
            }
        }

        SetJobCondition(job, "Failed", "BackoffLimitExceeded");
        return $"job {job.Name} failed: BackoffLimitExceeded";
    }

    private void SetJobCondition(RenderedObject job, string type, string reason) =>
        api.Modify(TypeOf(job.Body), job.Namespace, job.Name, j => j["status"] = new JsonObject
        {
            ["conditions"] = new JsonArray(new JsonObject { ["type"] = type, ["status"] = "True", ["reason"] = reason }),
        });

    private void Create(JsonObject rendered, string step)
    {
        var problems = KubernetesNameRules.Problems(rendered);
        if (problems.Count > 0)
        {
            throw new HelmFailedException($"{step}: {rendered["kind"]} \"{rendered["metadata"]!["name"]}\" is invalid: {string.Join("; ", problems)}");
        }

        api.Seed(rendered);
        log.Add($"{step}: create {rendered["kind"]} {rendered["metadata"]!["name"]}");
    }

    private void Delete(JsonObject rendered, string step)
    {
        var type = TypeOf(rendered);
        if (api.Delete(type, type.Namespaced ? rendered["metadata"]!["namespace"]!.GetValue<string>() : null, rendered["metadata"]!["name"]!.GetValue<string>()))
        {
            log.Add($"{step}: delete {rendered["kind"]} {rendered["metadata"]!["name"]}");
        }
    }

    private static FakeKubeResource TypeOf(JsonObject rendered)
    {
        var apiVersion = rendered["apiVersion"]!.GetValue<string>();
        var kind = rendered["kind"]!.GetValue<string>();
        return Kinds.Concat(FakeKubeResource.Defaults).FirstOrDefault(k => k.ApiVersion == apiVersion && k.Kind == kind)
               ?? throw new NotSupportedException($"the Helm double does not serve {apiVersion} {kind}; add it to {nameof(HelmDouble)}.{nameof(Kinds)}");
    }

    private static JsonObject Replace(JsonObject current, JsonObject merged)
    {
        foreach (var key in current.Select(p => p.Key).ToList())
        {
            current.Remove(key);
        }

        foreach (var (key, value) in merged)
        {
            current[key] = value?.DeepClone();
        }

        return current;
    }

    /// <summary>Stable sort by the position of the kind in <paramref name="order"/>; unknown kinds last, alphabetically (kind_sorter.go, lessByKind).</summary>
    private static List<RenderedObject> SortByKind(IEnumerable<RenderedObject> objects, string[] order) =>
        objects
            .Select((o, i) => (Object: o, Index: i, Rank: Array.IndexOf(order, o.Kind)))
            .OrderBy(x => x.Rank < 0 ? 1 : 0)
            .ThenBy(x => x.Rank < 0 ? 0 : x.Rank)
            .ThenBy(x => x.Rank < 0 ? x.Object.Kind : string.Empty, StringComparer.Ordinal)
            .ThenBy(x => x.Index)
            .Select(x => x.Object)
            .ToList();
}

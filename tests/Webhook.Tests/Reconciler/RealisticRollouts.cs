using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using DeadlineGuard.History;

namespace DeadlineGuard.Tests.Reconciler;

/// <summary>
/// Rollouts shaped as a cluster serves them, about 8 KiB each: kubectl's last-applied-configuration annotation (the
/// whole manifest again), managedFields of a client-side apply and of the controller's status writes, a 10-entry
/// revision history in the webhook's own format (its fingerprints computed as the webhook computes them), a pod
/// template with two containers, probes, env and volumes, and Argo's status. Every tenth is a workloadRef Rollout.
/// </summary>
internal static class RealisticRollouts
{
    private static readonly JsonSerializerOptions Wire = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private static readonly string[] Teams = ["payments", "checkout", "catalog", "search", "identity", "shipping", "ledger", "notify"];

    /// <summary>The Rollout's bytes as the API server would send them.</summary>
    public static byte[] Bytes(int index, DateTimeOffset now) => JsonSerializer.SerializeToUtf8Bytes(Create(index, now), Wire);

    public static JsonObject Create(int index, DateTimeOffset now)
    {
        var team = Teams[index % Teams.Length];
        var ns = $"{team}-prod";
        var name = $"api-{index.ToString("D5", CultureInfo.InvariantCulture)}";
        var workloadRef = index % 10 == 9;
        var created = now.AddDays(-30).AddMinutes(index % 600);
        var manifest = Manifest(ns, name, team, workloadRef, version: 10);

        var entries = new List<RevisionEntry>();
        for (var seq = 1; seq <= 10; seq++)
        {
            var revision = Manifest(ns, name, team, workloadRef, seq);
            if (workloadRef)
            {
                revision["metadata"]!["annotations"] = new JsonObject { [RevisionDetector.WorkloadGenerationAnnotation] = seq.ToString(CultureInfo.InvariantCulture) };
            }

            entries.Add(new RevisionEntry(
                seq, created.AddDays(seq - 1).AddMinutes(seq), seq % 3 == 0 ? "ci-deployer" : "alice@example.com", seq == 1 ? "CREATE" : "UPDATE",
                seq == 1 ? RevisionEntry.Create : workloadRef ? RevisionEntry.Workload : RevisionEntry.Template,
                RevisionDetector.Fingerprint(revision), workloadRef ? [] : [Image(team, seq), "docker.io/envoyproxy/envoy:v1.31.2"], 600, true));
        }

        var rollout = (JsonObject)manifest.DeepClone();
        var metadata = rollout["metadata"]!.AsObject();
        metadata["uid"] = new Guid(index, 7, 11, 1, 2, 3, 4, 5, 6, 7, 8).ToString();
        metadata["resourceVersion"] = (4_000_000 + index).ToString(CultureInfo.InvariantCulture);
        metadata["generation"] = 12;
        metadata["creationTimestamp"] = RolloutObjects.Time(created);
        var annotations = metadata["annotations"]!.AsObject();
        annotations["kubectl.kubernetes.io/last-applied-configuration"] = JsonSerializer.Serialize(manifest, Wire) + "\n";
        annotations[RevisionHistoryAnnotation.Key] = RevisionHistoryAnnotation.Serialize(entries);
        annotations["rollout.argoproj.io/revision"] = "10";
        if (workloadRef)
        {
            annotations[RevisionDetector.WorkloadGenerationAnnotation] = "10";
        }

        metadata["managedFields"] = ManagedFields(now);
        rollout["status"] = Status(index, now);
        return rollout;
    }

    private static string Image(string team, int version) => $"registry.example.com/{team}/api:1.{version}.0";

    private static JsonObject Manifest(string ns, string name, string team, bool workloadRef, int version)
    {
        var spec = new JsonObject
        {
            ["replicas"] = 3,
            ["revisionHistoryLimit"] = 5,
            ["progressDeadlineSeconds"] = 600,
            ["progressDeadlineAbort"] = true,
            ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app.kubernetes.io/name"] = "api", ["app.kubernetes.io/instance"] = name } },
        };
        if (workloadRef)
        {
            spec["workloadRef"] = new JsonObject { ["apiVersion"] = "apps/v1", ["kind"] = "Deployment", ["name"] = name, ["scaleDown"] = "progressively" };
        }
        else
        {
            spec["template"] = Template(team, name, version);
        }

        spec["strategy"] = version % 2 == 0
            ? JsonNode.Parse($$$"""{"canary":{"canaryService":"{{{name}}}-canary","stableService":"{{{name}}}-stable","steps":[{"setWeight":10},{"pause":{"duration":"2m"}},{"setWeight":50},{"analysis":{"templates":[{"templateName":"success-rate"}]}},{"setWeight":100}]}}""")
            : JsonNode.Parse($$$"""{"blueGreen":{"activeService":"{{{name}}}-active","previewService":"{{{name}}}-preview","autoPromotionEnabled":true,"scaleDownDelaySeconds":30}}""");
        return new JsonObject
        {
            ["apiVersion"] = "argoproj.io/v1alpha1",
            ["kind"] = "Rollout",
            ["metadata"] = new JsonObject
            {
                ["name"] = name,
                ["namespace"] = ns,
                ["labels"] = new JsonObject { ["app.kubernetes.io/name"] = "api", ["app.kubernetes.io/instance"] = name, ["app.kubernetes.io/part-of"] = team, ["team"] = team },
                ["annotations"] = new JsonObject { ["argocd.argoproj.io/tracking-id"] = $"{team}:argoproj.io/Rollout:{ns}/{name}", ["notifications.argoproj.io/subscribe.on-rollout-aborted.slack"] = team + "-deploys" },
            },
            ["spec"] = spec,
        };
    }

    private static JsonObject Template(string team, string name, int version) => new()
    {
        ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["app.kubernetes.io/name"] = "api", ["app.kubernetes.io/instance"] = name }, ["annotations"] = new JsonObject { ["prometheus.io/scrape"] = "true", ["prometheus.io/port"] = "9090" } },
        ["spec"] = new JsonObject
        {
            ["serviceAccountName"] = name,
            ["terminationGracePeriodSeconds"] = 45,
            ["containers"] = new JsonArray(
                new JsonObject
                {
                    ["name"] = "app",
                    ["image"] = Image(team, version),
                    ["args"] = new JsonArray("--config=/etc/app/config.yaml", "--log-format=json"),
                    ["ports"] = new JsonArray(new JsonObject { ["name"] = "http", ["containerPort"] = 8080 }, new JsonObject { ["name"] = "metrics", ["containerPort"] = 9090 }),
                    ["env"] = new JsonArray(
                        new JsonObject { ["name"] = "APP_ENV", ["value"] = "prod" },
                        new JsonObject { ["name"] = "OTEL_EXPORTER_OTLP_ENDPOINT", ["value"] = "http://otel-collector.observability:4317" },
                        new JsonObject { ["name"] = "POD_NAME", ["valueFrom"] = new JsonObject { ["fieldRef"] = new JsonObject { ["fieldPath"] = "metadata.name" } } },
                        new JsonObject { ["name"] = "DB_PASSWORD", ["valueFrom"] = new JsonObject { ["secretKeyRef"] = new JsonObject { ["name"] = name + "-db", ["key"] = "password" } } }),
                    ["resources"] = new JsonObject { ["requests"] = new JsonObject { ["cpu"] = "250m", ["memory"] = "256Mi" }, ["limits"] = new JsonObject { ["memory"] = "512Mi" } },
                    ["readinessProbe"] = new JsonObject { ["httpGet"] = new JsonObject { ["path"] = "/readyz", ["port"] = "http" }, ["periodSeconds"] = 5 },
                    ["livenessProbe"] = new JsonObject { ["httpGet"] = new JsonObject { ["path"] = "/healthz", ["port"] = "http" }, ["initialDelaySeconds"] = 10 },
                    ["volumeMounts"] = new JsonArray(new JsonObject { ["name"] = "config", ["mountPath"] = "/etc/app", ["readOnly"] = true }),
                    ["securityContext"] = new JsonObject { ["allowPrivilegeEscalation"] = false, ["readOnlyRootFilesystem"] = true, ["capabilities"] = new JsonObject { ["drop"] = new JsonArray("ALL") } },
                },
                new JsonObject
                {
                    ["name"] = "envoy",
                    ["image"] = "docker.io/envoyproxy/envoy:v1.31.2",
                    ["args"] = new JsonArray("-c", "/etc/envoy/envoy.yaml", "--log-level", "warn"),
                    ["resources"] = new JsonObject { ["requests"] = new JsonObject { ["cpu"] = "50m", ["memory"] = "64Mi" } },
                }),
            ["volumes"] = new JsonArray(new JsonObject { ["name"] = "config", ["configMap"] = new JsonObject { ["name"] = name + "-config" } }),
        },
    };

    private static JsonArray ManagedFields(DateTimeOffset now) => new(
        ManagedField(
            "kubectl-client-side-apply",
            now.AddDays(-1),
            """{"f:metadata":{"f:annotations":{".":{},"f:argocd.argoproj.io/tracking-id":{},"f:kubectl.kubernetes.io/last-applied-configuration":{}},"f:labels":{".":{},"f:app.kubernetes.io/instance":{},"f:app.kubernetes.io/name":{},"f:team":{}}},"f:spec":{".":{},"f:progressDeadlineAbort":{},"f:progressDeadlineSeconds":{},"f:replicas":{},"f:revisionHistoryLimit":{},"f:selector":{},"f:strategy":{".":{},"f:canary":{}},"f:template":{".":{},"f:metadata":{},"f:spec":{".":{},"f:containers":{},"f:volumes":{}}}}}"""),
        ManagedField(
            "rollouts-controller",
            now.AddHours(-1),
            """{"f:status":{".":{},"f:HPAReplicas":{},"f:availableReplicas":{},"f:blueGreen":{},"f:canary":{},"f:conditions":{},"f:currentPodHash":{},"f:message":{},"f:observedGeneration":{},"f:phase":{},"f:readyReplicas":{},"f:replicas":{},"f:selector":{},"f:stableRS":{},"f:updatedReplicas":{}}}""",
            subresource: "status"));

    /// <summary>One managedFields entry of an Update by <paramref name="manager"/> (of the status subresource, when named).</summary>
    private static JsonObject ManagedField(string manager, DateTimeOffset at, string fieldsV1, string? subresource = null)
    {
        var entry = new JsonObject
        {
            ["manager"] = manager,
            ["operation"] = "Update",
            ["apiVersion"] = "argoproj.io/v1alpha1",
            ["time"] = RolloutObjects.Time(at),
            ["fieldsType"] = "FieldsV1",
            ["fieldsV1"] = JsonNode.Parse(fieldsV1),
        };
        if (subresource is not null)
        {
            entry["subresource"] = subresource;
        }

        return entry;
    }

    private static JsonObject Status(int index, DateTimeOffset now)
    {
        var progressing = index % 5 == 0;
        var at = RolloutObjects.Time(now.AddMinutes(-(index % 50)));
        return new JsonObject
        {
            ["observedGeneration"] = "12",
            ["phase"] = progressing ? "Progressing" : "Healthy",
            ["message"] = progressing ? "more replicas need to be updated" : null,
            ["replicas"] = 3,
            ["updatedReplicas"] = 3,
            ["readyReplicas"] = 3,
            ["availableReplicas"] = 3,
            ["HPAReplicas"] = 3,
            ["currentPodHash"] = $"7f{index % 97:D2}c9d8b",
            ["stableRS"] = progressing ? $"5d{index % 89:D2}c6b7f" : $"7f{index % 97:D2}c9d8b",
            ["selector"] = "app.kubernetes.io/instance=api",
            ["conditions"] = new JsonArray(
                new JsonObject { ["type"] = "Available", ["status"] = "True", ["reason"] = "AvailableReason", ["message"] = "Rollout has minimum availability", ["lastTransitionTime"] = at, ["lastUpdateTime"] = at },
                new JsonObject { ["type"] = "Progressing", ["status"] = "True", ["reason"] = progressing ? "ReplicaSetUpdated" : "NewReplicaSetAvailable", ["message"] = "ReplicaSet \"api\" is progressing.", ["lastTransitionTime"] = at, ["lastUpdateTime"] = at },
                new JsonObject { ["type"] = "Healthy", ["status"] = progressing ? "False" : "True", ["reason"] = "RolloutHealthy", ["message"] = "Rollout is healthy", ["lastTransitionTime"] = at, ["lastUpdateTime"] = at }),
        };
    }
}

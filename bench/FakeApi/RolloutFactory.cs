using System.Globalization;
using System.Text.Json.Nodes;

namespace DeadlineGuard.Bench.FakeApi;

/// <summary>One Rollout as Argo Rollouts v1.8 and an API server would show it, with the webhook's revision history.</summary>
internal static class RolloutFactory
{
    private static readonly string[] Teams = ["payments", "checkout", "catalog", "search", "identity", "shipping", "ledger", "notify", "pricing", "reviews"];
    private static readonly string[] Environments = ["prod", "staging", "perf", "qa"];
    private static readonly string[] Apps = ["api", "worker", "gateway", "frontend", "scheduler", "indexer", "consumer", "web"];
    private static readonly string[] Users = ["system:serviceaccount:argocd:argocd", "alice@example.com", "bob@example.com", "ci-deployer"];

    /// <summary>
    /// Rollout number <paramref name="index"/>, the same for the same seed. With <paramref name="progressedAt"/> it is
    /// a Progressing Rollout whose controller last recorded progress then (the revision started a minute before), so
    /// that it falls due at <paramref name="progressedAt"/> + deadline + grace.
    /// </summary>
    public static (JsonObject Rollout, Kind Kind, DateTimeOffset? Due) Create(int index, int seed, DateTimeOffset now, int graceSeconds, DateTimeOffset? progressedAt = null, int extraEnv = 0)
    {
        // Identity first, so that a Rollout made again with other overrides keeps its name.
        var random = new Random((seed * 1_000_003) + index);
        var team = Teams[random.Next(Teams.Length)];
        var env = Environments[random.Next(Environments.Length)];
        var app = Apps[random.Next(Apps.Length)];
        var ns = $"{team}-{env}";
        var name = $"{app}-{index.ToString("D6", CultureInfo.InvariantCulture)}";
        var uid = Uid(random);
        var roll = random.NextDouble();
        var kind = progressedAt is not null ? Kind.Progressing
            : roll < 0.6 ? Kind.Healthy : roll < 0.8 ? Kind.Progressing : roll < 0.9 ? Kind.Paused : Kind.CanaryPauseStep;
        var canary = kind == Kind.CanaryPauseStep || (kind != Kind.Paused && random.Next(2) == 0);
        var blueGreenPause = kind == Kind.Paused && random.Next(2) == 0;
        var deadline = kind == Kind.Progressing ? 1800 + (60 * random.Next(31)) : 300 + (60 * random.Next(20));
        const int revisions = 10;
        var hasSidecar = random.Next(3) == 0;

        // Progress recorded by the controller: a few seconds to five minutes ago for the progressing ones.
        var progressed = progressedAt ?? (kind == Kind.Progressing ? now.AddSeconds(-(5 + random.Next(295))) : (DateTimeOffset?)null);

        // The history: one entry per revision, oldest first; the last one is the running revision.
        var entries = new List<DeadlineGuard.History.RevisionEntry>(revisions);
        var lastAt = progressed is { } p ? p.AddSeconds(-(60 + random.Next(240)))
            : now.AddSeconds(-(3600 + random.Next(30 * 86_400)));
        // The templates of the ten revisions differ only in their version (image tag and version label): their
        // canonical JSON is the last one's with the version replaced, and sorting is not affected.
        var finalVersion = $"1.{index % 40}.{revisions}";
        var template = Template(team, env, app, name, finalVersion, hasSidecar, extraEnv);
        var canonical = System.Text.Encoding.UTF8.GetString(DeadlineGuard.Json.CanonicalJson.Serialize(template));
        for (var r = 1; r <= revisions; r++)
        {
            var version = $"1.{index % 40}.{r}";
            var at = lastAt.AddDays(r - revisions).AddSeconds(-random.Next(3600));
            var images = hasSidecar ? new[] { Image(team, app, version), SidecarImage } : [Image(team, app, version)];
            var bytes = System.Text.Encoding.UTF8.GetBytes(canonical
                .Replace($":{finalVersion}\"", $":{version}\"", StringComparison.Ordinal)
                .Replace($"\"{finalVersion}\"", $"\"{version}\"", StringComparison.Ordinal));
            var fingerprint = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes).AsSpan(0, 8));
            if (index < 3 && fingerprint != DeadlineGuard.Json.CanonicalJson.Fingerprint(Template(team, env, app, name, version, hasSidecar, extraEnv)))
            {
                throw new InvalidOperationException($"the shortcut fingerprint of revision {r} of Rollout {index} is not the webhook's");
            }
            entries.Add(new DeadlineGuard.History.RevisionEntry(
                r, r == revisions ? lastAt : at, Users[random.Next(Users.Length)], r == 1 ? "CREATE" : "UPDATE", r == 1 ? "create" : "template",
                fingerprint, images, deadline, true));
        }

        var created = entries[0].At.AddSeconds(-5);
        var podHash = Hash(random);
        var stableHash = kind == Kind.Healthy ? podHash : Hash(random);
        var pausedAt = now.AddSeconds(-random.Next(7200));
        var progressedAtOrHealthy = progressed ?? lastAt.AddSeconds(90 + random.Next(120));
        DateTimeOffset? due = kind == Kind.Progressing ? progressedAtOrHealthy.AddSeconds(deadline + graceSeconds) : null;

        var labels = new JsonObject
        {
            ["app.kubernetes.io/name"] = app,
            ["app.kubernetes.io/instance"] = name,
            ["app.kubernetes.io/part-of"] = team,
            ["team"] = team,
            ["env"] = env,
        };
        var applied = new JsonObject
        {
            ["argocd.argoproj.io/tracking-id"] = $"{team}-{env}:argoproj.io/Rollout:{ns}/{name}",
            ["notifications.argoproj.io/subscribe.on-rollout-aborted.slack"] = $"{team}-deploys",
        };
        var spec = new JsonObject
        {
            ["replicas"] = 2 + random.Next(5),
            ["revisionHistoryLimit"] = 5,
            ["progressDeadlineSeconds"] = deadline,
            ["progressDeadlineAbort"] = true,
            ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app.kubernetes.io/name"] = app, ["app.kubernetes.io/instance"] = name } },
            ["template"] = template,
            ["strategy"] = canary ? CanaryStrategy(name) : BlueGreenStrategy(name),
        };
        if (kind == Kind.Paused && !blueGreenPause)
        {
            spec["paused"] = true;
        }

        // kubectl apply's record of the manifest: the whole object as applied, again, in an annotation.
        var lastApplied = new JsonObject
        {
            ["apiVersion"] = "argoproj.io/v1alpha1",
            ["kind"] = "Rollout",
            ["metadata"] = new JsonObject { ["annotations"] = applied.DeepClone(), ["labels"] = labels.DeepClone(), ["name"] = name, ["namespace"] = ns },
            ["spec"] = spec.DeepClone(),
        };
        var annotations = (JsonObject)applied.DeepClone();
        annotations["kubectl.kubernetes.io/last-applied-configuration"] = lastApplied.ToJsonString(WireOptions) + "\n";
        annotations["rollout.argoproj.io/revision"] = (revisions + random.Next(3)).ToString(CultureInfo.InvariantCulture);
        annotations[DeadlineGuard.History.RevisionHistoryAnnotation.Key] = DeadlineGuard.History.RevisionHistoryAnnotation.Serialize(entries);
        var generation = revisions + random.Next(3);
        var rollout = new JsonObject
        {
            ["apiVersion"] = "argoproj.io/v1alpha1",
            ["kind"] = "Rollout",
            ["metadata"] = new JsonObject
            {
                ["name"] = name,
                ["namespace"] = ns,
                ["uid"] = uid,
                ["resourceVersion"] = (4_000_000 + random.Next(400_000)).ToString(CultureInfo.InvariantCulture),
                ["generation"] = generation,
                ["creationTimestamp"] = Time(created),
                ["labels"] = labels,
                ["annotations"] = annotations,
                ["managedFields"] = ManagedFields(lastAt, kind == Kind.Progressing ? progressedAtOrHealthy : pausedAt),
            },
            ["spec"] = spec,
            ["status"] = Status(kind, canary, blueGreenPause, generation, podHash, stableHash, lastAt, progressedAtOrHealthy, pausedAt),
        };
        return (rollout, kind, due);
    }

    /// <summary>Quotes inside annotations as \" (as Go's encoding/json writes them), not \u0022.</summary>
    public static readonly System.Text.Json.JsonSerializerOptions WireOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private const string SidecarImage = "docker.io/envoyproxy/envoy:v1.31.2";

    private static string Image(string team, string app, string version) => $"registry.example.com/{team}/{app}:{version}";

    private static JsonObject Template(string team, string env, string app, string name, string version, bool sidecar, int extraEnv)
    {
        var containers = new JsonArray
        {
            new JsonObject
            {
                ["name"] = "app",
                ["image"] = Image(team, app, version),
                ["args"] = new JsonArray("--config=/etc/app/config.yaml"),
                ["ports"] = new JsonArray(
                    new JsonObject { ["name"] = "http", ["containerPort"] = 8080, ["protocol"] = "TCP" }),
                ["env"] = new JsonArray(
                    Env("APP_ENV", env),
                    FieldEnv("POD_NAME", "metadata.name"),
                    new JsonObject { ["name"] = "DB_PASSWORD", ["valueFrom"] = new JsonObject { ["secretKeyRef"] = new JsonObject { ["name"] = $"{name}-db", ["key"] = "password" } } }),
                ["resources"] = new JsonObject
                {
                    ["requests"] = new JsonObject { ["cpu"] = "250m", ["memory"] = "256Mi" },
                    ["limits"] = new JsonObject { ["cpu"] = "1", ["memory"] = "512Mi" },
                },
                ["readinessProbe"] = Probe("/readyz", 5),
                ["volumeMounts"] = new JsonArray(new JsonObject { ["name"] = "config", ["mountPath"] = "/etc/app", ["readOnly"] = true }),
            },
        };
        var environment = containers[0]!["env"]!.AsArray();
        for (var i = 0; i < extraEnv; i++)
        {
            environment.Add(Env($"FEATURE_FLAG_{i:D3}", $"enabled-for-{team}-{env}-{i}"));
        }

        if (sidecar)
        {
            containers.Add(new JsonObject
            {
                ["name"] = "envoy",
                ["image"] = SidecarImage,
                ["args"] = new JsonArray("-c", "/etc/envoy/envoy.yaml", "--log-level", "warn"),
                ["resources"] = new JsonObject { ["requests"] = new JsonObject { ["cpu"] = "50m", ["memory"] = "64Mi" }, ["limits"] = new JsonObject { ["memory"] = "128Mi" } },
                ["volumeMounts"] = new JsonArray(new JsonObject { ["name"] = "envoy", ["mountPath"] = "/etc/envoy", ["readOnly"] = true }),
            });
        }

        var volumes = new JsonArray(new JsonObject { ["name"] = "config", ["configMap"] = new JsonObject { ["name"] = $"{name}-config" } });
        if (sidecar)
        {
            volumes.Add(new JsonObject { ["name"] = "envoy", ["configMap"] = new JsonObject { ["name"] = $"{name}-envoy" } });
        }

        return new JsonObject
        {
            ["metadata"] = new JsonObject
            {
                ["labels"] = new JsonObject { ["app.kubernetes.io/name"] = app, ["app.kubernetes.io/instance"] = name, ["app.kubernetes.io/version"] = version, ["team"] = team },
                ["annotations"] = new JsonObject { ["prometheus.io/scrape"] = "true", ["prometheus.io/port"] = "9090" },
            },
            ["spec"] = new JsonObject
            {
                ["serviceAccountName"] = name,
                ["terminationGracePeriodSeconds"] = 30,
                ["containers"] = containers,
                ["volumes"] = volumes,
            },
        };
    }

    private static JsonObject Env(string name, string value) => new() { ["name"] = name, ["value"] = value };

    private static JsonObject FieldEnv(string name, string path) =>
        new() { ["name"] = name, ["valueFrom"] = new JsonObject { ["fieldRef"] = new JsonObject { ["apiVersion"] = "v1", ["fieldPath"] = path } } };

    private static JsonObject Probe(string path, int period) => new()
    {
        ["httpGet"] = new JsonObject { ["path"] = path, ["port"] = "http" },
        ["periodSeconds"] = period,
        ["failureThreshold"] = 3,
    };

    private static JsonObject CanaryStrategy(string name) => new()
    {
        ["canary"] = new JsonObject
        {
            ["canaryService"] = $"{name}-canary",
            ["stableService"] = $"{name}-stable",
            ["maxSurge"] = "25%",
            ["maxUnavailable"] = 0,
            ["steps"] = new JsonArray(
                new JsonObject { ["setWeight"] = 10 },
                new JsonObject { ["pause"] = new JsonObject() },
                new JsonObject { ["setWeight"] = 50 },
                new JsonObject { ["pause"] = new JsonObject { ["duration"] = "10m" } },
                new JsonObject { ["setWeight"] = 100 }),
        },
    };

    private static JsonObject BlueGreenStrategy(string name) => new()
    {
        ["blueGreen"] = new JsonObject
        {
            ["activeService"] = $"{name}-active",
            ["previewService"] = $"{name}-preview",
            ["autoPromotionEnabled"] = false,
            ["scaleDownDelaySeconds"] = 30,
        },
    };

    private static JsonObject Status(Kind kind, bool canary, bool blueGreenPause, int generation, string podHash, string stableHash, DateTimeOffset lastAt, DateTimeOffset progressedAt, DateTimeOffset pausedAt)
    {
        var paused = kind is Kind.Paused or Kind.CanaryPauseStep;
        var (phase, message) = kind switch
        {
            Kind.Healthy => ("Healthy", (string?)null),
            Kind.Progressing => ("Progressing", canary ? "more replicas need to be updated" : "active service cutover pending"),
            Kind.CanaryPauseStep => ("Paused", "CanaryPauseStep"),
            _ => ("Paused", blueGreenPause ? "BlueGreenPause" : "manually paused"),
        };
        var progressing = kind switch
        {
            Kind.Healthy => Condition("Progressing", "True", "NewReplicaSetAvailable", $"ReplicaSet \"rs-{podHash}\" has successfully progressed.", progressedAt),
            Kind.Progressing => Condition("Progressing", "True", "ReplicaSetUpdated", $"ReplicaSet \"rs-{podHash}\" is progressing.", progressedAt),
            _ => Condition("Progressing", "Unknown", "RolloutPaused", "Rollout is paused", pausedAt),
        };
        var conditions = new JsonArray(
            Condition("Available", "True", "AvailableReason", "Rollout has minimum availability", lastAt.AddSeconds(40)),
            Condition("Completed", kind == Kind.Healthy ? "True" : "False", kind == Kind.Healthy ? "RolloutCompleted" : "RolloutNotCompleted", kind == Kind.Healthy ? "Rollout completed update to revision" : "Rollout not completed", lastAt.AddSeconds(60)),
            Condition("Healthy", kind == Kind.Healthy ? "True" : "False", kind == Kind.Healthy ? "RolloutHealthy" : "RolloutHealthyNotMet", kind == Kind.Healthy ? "Rollout is healthy" : "Rollout is not healthy", lastAt.AddSeconds(60)),
            progressing);
        if (paused)
        {
            conditions.Add(Condition("Paused", "True", "RolloutPaused", "Rollout is paused", pausedAt));
        }

        var status = new JsonObject
        {
            ["observedGeneration"] = generation.ToString(CultureInfo.InvariantCulture),
            ["phase"] = phase,
            ["replicas"] = 3,
            ["updatedReplicas"] = kind == Kind.Healthy ? 3 : 1,
            ["readyReplicas"] = 3,
            ["availableReplicas"] = 3,
            ["HPAReplicas"] = 3,
            ["currentPodHash"] = podHash,
            ["stableRS"] = stableHash,
            ["selector"] = "app.kubernetes.io/instance=x",
            ["conditions"] = conditions,
        };
        if (message is not null)
        {
            status["message"] = message;
        }

        if (canary)
        {
            status["currentStepIndex"] = kind switch { Kind.Healthy => 5, Kind.CanaryPauseStep => 1, Kind.Progressing => 2, _ => 0 };
            status["currentStepHash"] = podHash + "c";
            status["canary"] = new JsonObject();
        }
        else
        {
            status["blueGreen"] = new JsonObject { ["activeSelector"] = stableHash, ["previewSelector"] = podHash };
        }

        if (kind == Kind.CanaryPauseStep || blueGreenPause)
        {
            status["controllerPause"] = true;
            status["pauseConditions"] = new JsonArray(new JsonObject { ["reason"] = kind == Kind.CanaryPauseStep ? "CanaryPauseStep" : "BlueGreenPause", ["startTime"] = Time(pausedAt) });
        }

        return status;
    }

    private static JsonObject Condition(string type, string status, string reason, string message, DateTimeOffset at) => new()
    {
        ["type"] = type,
        ["status"] = status,
        ["reason"] = reason,
        ["message"] = message,
        ["lastTransitionTime"] = Time(at),
        ["lastUpdateTime"] = Time(at),
    };

    // kubectl's client-side apply (metadata and spec) and the controller's status writes: what a cluster keeps in managedFields.
    private static JsonArray ManagedFields(DateTimeOffset appliedAt, DateTimeOffset statusAt) => new(
        new JsonObject
        {
            ["manager"] = "kubectl-client-side-apply",
            ["operation"] = "Update",
            ["apiVersion"] = "argoproj.io/v1alpha1",
            ["time"] = Time(appliedAt),
            ["fieldsType"] = "FieldsV1",
            ["fieldsV1"] = JsonNode.Parse("""{"f:metadata":{"f:annotations":{".":{},"f:argocd.argoproj.io/tracking-id":{},"f:kubectl.kubernetes.io/last-applied-configuration":{},"f:notifications.argoproj.io/subscribe.on-rollout-aborted.slack":{}},"f:labels":{".":{},"f:app.kubernetes.io/instance":{},"f:app.kubernetes.io/name":{},"f:app.kubernetes.io/part-of":{},"f:env":{},"f:team":{}}},"f:spec":{".":{},"f:progressDeadlineAbort":{},"f:progressDeadlineSeconds":{},"f:replicas":{},"f:revisionHistoryLimit":{},"f:selector":{},"f:strategy":{},"f:template":{".":{},"f:metadata":{},"f:spec":{".":{},"f:containers":{},"f:volumes":{}}}}}"""),
        },
        new JsonObject
        {
            ["manager"] = "rollouts-controller",
            ["operation"] = "Update",
            ["apiVersion"] = "argoproj.io/v1alpha1",
            ["time"] = Time(statusAt),
            ["fieldsType"] = "FieldsV1",
            ["fieldsV1"] = JsonNode.Parse("""{"f:status":{".":{},"f:HPAReplicas":{},"f:availableReplicas":{},"f:conditions":{},"f:currentPodHash":{},"f:observedGeneration":{},"f:phase":{},"f:readyReplicas":{},"f:replicas":{},"f:selector":{},"f:stableRS":{},"f:updatedReplicas":{}}}"""),
            ["subresource"] = "status",
        });

    private static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    // A pod-template-hash: ten characters of the alphabet of k8s.io/apimachinery rand.SafeEncodeString.
    private static string Hash(Random random) => string.Create(10, random, static (span, r) =>
    {
        const string alphabet = "bcdfghjklmnpqrstvwxz2456789";
        for (var i = 0; i < span.Length; i++)
        {
            span[i] = alphabet[r.Next(alphabet.Length)];
        }
    });

    private static string Uid(Random random)
    {
        Span<byte> bytes = stackalloc byte[16];
        random.NextBytes(bytes);
        return new Guid(bytes).ToString();
    }
}

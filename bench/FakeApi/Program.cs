using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using DeadlineGuard.Bench.FakeApi;

// A fake Kubernetes API server for bench/run-reconciler.sh: N generated Rollouts (generated before it
// listens, so not part of what the benchmark times), a paged list, an idle watch with bookmarks, and
// 201 for Events. Everything else is a 404 Status, counted, so that the script can check nothing else
// was asked for.
var options = FakeOptions.Parse(args);
var generating = Stopwatch.GetTimestamp();
var store = RolloutStore.Generate(options.Rollouts, options.Seed, DateTimeOffset.UtcNow, options.GraceSeconds);
Console.WriteLine(store.Describe(Stopwatch.GetElapsedTime(generating)));

var builder = WebApplication.CreateSlimBuilder();
builder.Logging.ClearProviders();
builder.WebHost.UseUrls($"http://127.0.0.1:{options.Port.ToString(CultureInfo.InvariantCulture)}");
builder.WebHost.ConfigureKestrel(kestrel => kestrel.AddServerHeader = false);
var app = builder.Build();
app.MapFakeKubernetes(store, options, new FakeStats());
Console.WriteLine($"FakeApi listening on http://127.0.0.1:{options.Port.ToString(CultureInfo.InvariantCulture)}");
await app.RunAsync();

namespace DeadlineGuard.Bench.FakeApi
{
    internal sealed record FakeOptions(int Rollouts, int Port, int Seed, int BookmarkSeconds, int GraceSeconds)
    {
        public static FakeOptions Parse(string[] args)
        {
            var o = new FakeOptions(Rollouts: 10_000, Port: 18080, Seed: 42, BookmarkSeconds: 60, GraceSeconds: 30);
            for (var i = 0; i < args.Length; i++)
            {
                var value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value");
                var number = int.Parse(value, NumberStyles.None, CultureInfo.InvariantCulture);
                o = args[i] switch
                {
                    "--rollouts" => o with { Rollouts = number },
                    "--port" => o with { Port = number },
                    "--seed" => o with { Seed = number },
                    "--bookmark-seconds" => o with { BookmarkSeconds = Math.Max(1, number) },
                    "--grace-seconds" => o with { GraceSeconds = number },
                    _ => throw new ArgumentException($"unknown option {args[i]} (--rollouts N --port P --seed S --bookmark-seconds S --grace-seconds S)"),
                };
                i++;
            }

            return o;
        }
    }

    /// <summary>Request counters, read by GET /fake/stats.</summary>
    internal sealed class FakeStats
    {
        public long Pages;
        public long FullLists;
        public long Watches;
        public long OpenWatches;
        public long Bookmarks;
        public long Events;
        public long Other;
        public string? LastOther;
    }

    internal enum Kind
    {
        Healthy,
        Progressing,
        Paused,
        CanaryPauseStep,
    }

    /// <summary>The generated Rollouts, serialized once, in the API server's list order (namespace/name).</summary>
    internal sealed class RolloutStore(IReadOnlyList<byte[]> items, long resourceVersion, Dictionary<Kind, int> counts, DateTimeOffset? earliestDue, DateTimeOffset generatedAt)
    {
        public IReadOnlyList<byte[]> Items { get; } = items;

        public long ResourceVersion { get; } = resourceVersion;

        public Dictionary<Kind, int> Counts { get; } = counts;

        /// <summary>The first moment any generated Rollout's deadline (with the reconciler's grace) falls due.</summary>
        public DateTimeOffset? EarliestDue { get; } = earliestDue;

        public DateTimeOffset GeneratedAt { get; } = generatedAt;

        public long TotalBytes => Items.Sum(i => (long)i.Length);

        // Quotes inside the annotation as \" (as Go's encoding/json writes them), not \u0022.
        private static readonly JsonSerializerOptions WireOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

        public static RolloutStore Generate(int count, int seed, DateTimeOffset now, int graceSeconds)
        {
            var random = new Random(seed);
            var generated = new List<(string Key, JsonObject Rollout, Kind Kind, DateTimeOffset? Due)>(count);
            for (var i = 0; i < count; i++)
            {
                var roll = random.NextDouble();
                var kind = roll < 0.6 ? Kind.Healthy : roll < 0.8 ? Kind.Progressing : roll < 0.9 ? Kind.Paused : Kind.CanaryPauseStep;
                var (rollout, due) = RolloutFactory.Create(i, kind, random, now, graceSeconds);
                var metadata = rollout["metadata"]!;
                generated.Add(($"{metadata["namespace"]}/{metadata["name"]}", rollout, kind, due));
            }

            generated.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
            const long firstResourceVersion = 4_000_000;
            var items = new List<byte[]>(count);
            for (var i = 0; i < generated.Count; i++)
            {
                var rollout = generated[i].Rollout;
                rollout["metadata"]!["resourceVersion"] = (firstResourceVersion + random.Next(count * 4)).ToString(CultureInfo.InvariantCulture);
                items.Add(JsonSerializer.SerializeToUtf8Bytes(rollout, WireOptions));
            }

            var counts = Enum.GetValues<Kind>().ToDictionary(k => k, k => generated.Count(g => g.Kind == k));
            var dues = generated.Where(g => g.Due is not null).Select(g => g.Due!.Value).ToList();
            return new RolloutStore(items, firstResourceVersion + (count * 4) + 1, counts, dues.Count == 0 ? null : dues.Min(), now);
        }

        public string Describe(TimeSpan took)
        {
            var sizes = Items.Select(i => i.Length).Order().ToList();
            var mix = string.Join(", ", Counts.Select(c => $"{c.Key} {c.Value}"));
            var due = EarliestDue is { } d ? $"{d:yyyy-MM-dd'T'HH:mm:ss'Z'} (in {(d - GeneratedAt).TotalSeconds:0} s)" : "none";
            return string.Create(
                CultureInfo.InvariantCulture,
                $"Generated {Items.Count} Rollouts in {took.TotalMilliseconds:0} ms: {mix}; bytes min {(sizes.Count > 0 ? sizes[0] : 0)}, median {(sizes.Count > 0 ? sizes[sizes.Count / 2] : 0)}, mean {(sizes.Count > 0 ? sizes.Average() : 0):0}, max {(sizes.Count > 0 ? sizes[^1] : 0)}, total {TotalBytes / 1048576.0:0.0} MiB; list resourceVersion {ResourceVersion}; earliest due {due}");
        }
    }

    /// <summary>One Rollout as Argo Rollouts v1.8 and an API server would show it, with the webhook's revision history.</summary>
    internal static class RolloutFactory
    {
        private static readonly string[] Teams = ["payments", "checkout", "catalog", "search", "identity", "shipping", "ledger", "notify", "pricing", "reviews"];
        private static readonly string[] Environments = ["prod", "staging", "perf", "qa"];
        private static readonly string[] Apps = ["api", "worker", "gateway", "frontend", "scheduler", "indexer", "consumer", "web"];
        private static readonly string[] Users = ["system:serviceaccount:argocd:argocd-application-controller", "alice@example.com", "bob@example.com", "ci-deployer"];

        public static (JsonObject Rollout, DateTimeOffset? Due) Create(int index, Kind kind, Random random, DateTimeOffset now, int graceSeconds)
        {
            var team = Teams[random.Next(Teams.Length)];
            var env = Environments[random.Next(Environments.Length)];
            var app = Apps[random.Next(Apps.Length)];
            var ns = $"{team}-{env}";
            var name = $"{app}-{index.ToString("D5", CultureInfo.InvariantCulture)}";
            var canary = kind == Kind.CanaryPauseStep || (kind != Kind.Paused && random.Next(2) == 0);
            var blueGreenPause = kind == Kind.Paused && random.Next(2) == 0;
            var deadline = kind == Kind.Progressing ? 1800 + (60 * random.Next(31)) : 300 + (60 * random.Next(20));
            var revisions = 2 + random.Next(3);
            var hasSidecar = random.Next(2) == 0;

            // The history: one entry per revision, oldest first; the last one is the running revision.
            var entries = new List<DeadlineGuard.History.RevisionEntry>(revisions);
            var lastAt = kind == Kind.Progressing
                ? now.AddSeconds(-(310 + random.Next(300)))
                : now.AddSeconds(-(3600 + random.Next(30 * 86_400)));
            JsonObject? template = null;
            for (var r = 1; r <= revisions; r++)
            {
                var version = $"1.{index % 40}.{r}";
                template = Template(team, env, app, name, version, hasSidecar);
                var at = lastAt.AddDays(r - revisions).AddSeconds(-random.Next(3600));
                var images = hasSidecar ? new[] { Image(team, app, version), SidecarImage } : [Image(team, app, version)];
                entries.Add(new DeadlineGuard.History.RevisionEntry(
                    r, r == revisions ? lastAt : at, Users[random.Next(Users.Length)], r == 1 ? "CREATE" : "UPDATE", r == 1 ? "create" : "template",
                    DeadlineGuard.Json.CanonicalJson.Fingerprint(template), images, deadline, true));
            }

            var created = entries[0].At.AddSeconds(-5);
            var podHash = Hash(random);
            var stableHash = kind == Kind.Healthy ? podHash : Hash(random);
            var pausedAt = now.AddSeconds(-random.Next(7200));

            // Progress recorded by the controller: a few seconds to five minutes ago for the progressing ones.
            var progressedAt = kind == Kind.Progressing ? now.AddSeconds(-(5 + random.Next(295))) : lastAt.AddSeconds(90 + random.Next(120));
            DateTimeOffset? due = kind == Kind.Progressing ? progressedAt.AddSeconds(deadline + graceSeconds) : null;

            var labels = new JsonObject
            {
                ["app.kubernetes.io/name"] = app,
                ["app.kubernetes.io/instance"] = name,
                ["app.kubernetes.io/part-of"] = team,
                ["app.kubernetes.io/version"] = $"1.{index % 40}.{revisions}",
                ["team"] = team,
                ["env"] = env,
            };
            var annotations = new JsonObject
            {
                ["rollout.argoproj.io/revision"] = (revisions + random.Next(3)).ToString(CultureInfo.InvariantCulture),
                ["argocd.argoproj.io/tracking-id"] = $"{team}-{env}:argoproj.io/Rollout:{ns}/{name}",
                ["notifications.argoproj.io/subscribe.on-rollout-aborted.slack"] = $"{team}-deploys",
                [DeadlineGuard.History.RevisionHistoryAnnotation.Key] = DeadlineGuard.History.RevisionHistoryAnnotation.Serialize(entries),
            };
            var generation = revisions + random.Next(3);
            var rollout = new JsonObject
            {
                ["apiVersion"] = "argoproj.io/v1alpha1",
                ["kind"] = "Rollout",
                ["metadata"] = new JsonObject
                {
                    ["name"] = name,
                    ["namespace"] = ns,
                    ["uid"] = Uid(random),
                    ["resourceVersion"] = "0",
                    ["generation"] = generation,
                    ["creationTimestamp"] = Time(created),
                    ["labels"] = labels,
                    ["annotations"] = annotations,
                    ["managedFields"] = ManagedFields(kind == Kind.Progressing ? progressedAt : pausedAt),
                },
                ["spec"] = new JsonObject
                {
                    ["replicas"] = 2 + random.Next(5),
                    ["revisionHistoryLimit"] = 5,
                    ["progressDeadlineSeconds"] = deadline,
                    ["progressDeadlineAbort"] = true,
                    ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app.kubernetes.io/name"] = app, ["app.kubernetes.io/instance"] = name } },
                    ["template"] = template!.DeepClone(),
                    ["strategy"] = canary ? CanaryStrategy(name) : BlueGreenStrategy(name),
                },
                ["status"] = Status(kind, canary, blueGreenPause, generation, podHash, stableHash, lastAt, progressedAt, pausedAt),
            };
            if (kind == Kind.Paused && !blueGreenPause)
            {
                rollout["spec"]!["paused"] = true;
            }

            return (rollout, due);
        }

        private const string SidecarImage = "docker.io/envoyproxy/envoy:v1.31.2";

        private static string Image(string team, string app, string version) => $"registry.example.com/{team}/{app}:{version}";

        private static JsonObject Template(string team, string env, string app, string name, string version, bool sidecar)
        {
            var containers = new JsonArray
            {
                new JsonObject
                {
                    ["name"] = "app",
                    ["image"] = Image(team, app, version),
                    ["imagePullPolicy"] = "IfNotPresent",
                    ["args"] = new JsonArray("--config=/etc/app/config.yaml", "--log-format=json", "--listen=:8080"),
                    ["ports"] = new JsonArray(
                        new JsonObject { ["name"] = "http", ["containerPort"] = 8080, ["protocol"] = "TCP" },
                        new JsonObject { ["name"] = "metrics", ["containerPort"] = 9090, ["protocol"] = "TCP" }),
                    ["env"] = new JsonArray(
                        Env("APP_ENV", env),
                        Env("LOG_LEVEL", "info"),
                        Env("OTEL_EXPORTER_OTLP_ENDPOINT", "http://otel-collector.observability:4317"),
                        FieldEnv("POD_NAME", "metadata.name"),
                        FieldEnv("POD_NAMESPACE", "metadata.namespace"),
                        new JsonObject { ["name"] = "DB_PASSWORD", ["valueFrom"] = new JsonObject { ["secretKeyRef"] = new JsonObject { ["name"] = $"{name}-db", ["key"] = "password" } } }),
                    ["resources"] = new JsonObject
                    {
                        ["requests"] = new JsonObject { ["cpu"] = "250m", ["memory"] = "256Mi" },
                        ["limits"] = new JsonObject { ["cpu"] = "1", ["memory"] = "512Mi" },
                    },
                    ["readinessProbe"] = Probe("/readyz", 5),
                    ["volumeMounts"] = new JsonArray(
                        new JsonObject { ["name"] = "config", ["mountPath"] = "/etc/app", ["readOnly"] = true },
                        new JsonObject { ["name"] = "tmp", ["mountPath"] = "/tmp" }),
                    ["securityContext"] = new JsonObject
                    {
                        ["allowPrivilegeEscalation"] = false,
                        ["readOnlyRootFilesystem"] = true,
                        ["capabilities"] = new JsonObject { ["drop"] = new JsonArray("ALL") },
                    },
                },
            };
            if (sidecar)
            {
                containers.Add(new JsonObject
                {
                    ["name"] = "envoy",
                    ["image"] = SidecarImage,
                    ["args"] = new JsonArray("-c", "/etc/envoy/envoy.yaml", "--log-level", "warn"),
                    ["ports"] = new JsonArray(new JsonObject { ["name"] = "proxy", ["containerPort"] = 15001, ["protocol"] = "TCP" }),
                    ["resources"] = new JsonObject { ["requests"] = new JsonObject { ["cpu"] = "50m", ["memory"] = "64Mi" }, ["limits"] = new JsonObject { ["memory"] = "128Mi" } },
                    ["volumeMounts"] = new JsonArray(new JsonObject { ["name"] = "envoy", ["mountPath"] = "/etc/envoy", ["readOnly"] = true }),
                });
            }

            var volumes = new JsonArray(
                new JsonObject { ["name"] = "config", ["configMap"] = new JsonObject { ["name"] = $"{name}-config" } },
                new JsonObject { ["name"] = "tmp", ["emptyDir"] = new JsonObject { ["sizeLimit"] = "64Mi" } });
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
                    ["securityContext"] = new JsonObject { ["runAsNonRoot"] = true, ["runAsUser"] = 10001, ["fsGroup"] = 10001, ["seccompProfile"] = new JsonObject { ["type"] = "RuntimeDefault" } },
                    ["containers"] = containers,
                    ["volumes"] = volumes,
                    ["affinity"] = new JsonObject
                    {
                        ["podAntiAffinity"] = new JsonObject
                        {
                            ["preferredDuringSchedulingIgnoredDuringExecution"] = new JsonArray(new JsonObject
                            {
                                ["weight"] = 100,
                                ["podAffinityTerm"] = new JsonObject
                                {
                                    ["labelSelector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app.kubernetes.io/name"] = app } },
                                    ["topologyKey"] = "kubernetes.io/hostname",
                                },
                            }),
                        },
                    },
                    ["tolerations"] = new JsonArray(new JsonObject { ["key"] = "workload", ["operator"] = "Equal", ["value"] = team, ["effect"] = "NoSchedule" }),
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
                status["canary"] = new JsonObject { ["weights"] = new JsonObject { ["canary"] = new JsonObject { ["podTemplateHash"] = podHash, ["weight"] = 10 }, ["stable"] = new JsonObject { ["podTemplateHash"] = stableHash, ["weight"] = 90 } } };
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

        // The controller's status writes; a client-side apply would add its own entry (the informer drops them all).
        private static JsonArray ManagedFields(DateTimeOffset statusAt) => new(
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

    /// <summary>The API paths the reconciler uses, and a 404 Status for everything else.</summary>
    internal static class FakeKubernetes
    {
        private const string RolloutsPath = "/apis/argoproj.io/v1alpha1/rollouts";
        private static readonly byte[] Comma = ","u8.ToArray();

        public static void MapFakeKubernetes(this WebApplication app, RolloutStore store, FakeOptions options, FakeStats stats)
        {
            app.MapGet(RolloutsPath, (HttpContext context) => context.Request.Query["watch"] is ["true"] or ["1"]
                ? WatchAsync(context, store, options, stats)
                : ListAsync(context, store, stats));
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
                rollouts = store.Items.Count,
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

        private static async Task ListAsync(HttpContext context, RolloutStore store, FakeStats stats)
        {
            var query = context.Request.Query;
            var limit = int.TryParse(query["limit"], NumberStyles.None, CultureInfo.InvariantCulture, out var l) && l > 0 ? l : store.Items.Count;
            var offset = 0;
            if (query["continue"] is [{ Length: > 0 } token] && !TryReadContinue(token, store, out offset))
            {
                await Status(context, StatusCodes.Status400BadRequest, "BadRequest", "invalid continue token");
                return;
            }

            var end = Math.Min(store.Items.Count, offset + limit);
            var metadata = new JsonObject { ["resourceVersion"] = store.ResourceVersion.ToString(CultureInfo.InvariantCulture) };
            if (end < store.Items.Count)
            {
                metadata["continue"] = Continue(store, end);
                metadata["remainingItemCount"] = store.Items.Count - end;
            }

            var head = Encoding.UTF8.GetBytes($$"""{"apiVersion":"argoproj.io/v1alpha1","kind":"RolloutList","metadata":{{metadata.ToJsonString()}},"items":[""");
            var tail = "]}"u8.ToArray();
            long length = head.Length + tail.Length + Math.Max(0, end - offset - 1);
            for (var i = offset; i < end; i++)
            {
                length += store.Items[i].Length;
            }

            context.Response.ContentType = "application/json";
            context.Response.ContentLength = length;
            var body = context.Response.Body;
            await body.WriteAsync(head, context.RequestAborted);
            for (var i = offset; i < end; i++)
            {
                if (i > offset)
                {
                    await body.WriteAsync(Comma, context.RequestAborted);
                }

                await body.WriteAsync(store.Items[i], context.RequestAborted);
            }

            await body.WriteAsync(tail, context.RequestAborted);
            Interlocked.Increment(ref stats.Pages);
            if (end == store.Items.Count)
            {
                Interlocked.Increment(ref stats.FullLists);
            }
        }

        // Opaque to the client, like the API server's (base64 of the list's resourceVersion and where to start).
        private static string Continue(RolloutStore store, int offset) =>
            Convert.ToBase64String(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{{\"v\":\"meta.k8s.io/v1\",\"rv\":{store.ResourceVersion},\"start\":{offset}}}")));

        private static bool TryReadContinue(string token, RolloutStore store, out int offset)
        {
            offset = 0;
            try
            {
                var node = JsonNode.Parse(Convert.FromBase64String(token));
                offset = node?["start"]?.GetValue<int>() ?? -1;
                return node?["rv"]?.GetValue<long>() == store.ResourceVersion && offset >= 0 && offset <= store.Items.Count;
            }
            catch (Exception e) when (e is FormatException or JsonException or InvalidOperationException)
            {
                return false;
            }
        }

        /// <summary>Stays open until timeoutSeconds, sending only a BOOKMARK every BookmarkSeconds (when asked for).</summary>
        private static async Task WatchAsync(HttpContext context, RolloutStore store, FakeOptions options, FakeStats stats)
        {
            var query = context.Request.Query;
            var timeout = int.TryParse(query["timeoutSeconds"], NumberStyles.None, CultureInfo.InvariantCulture, out var t) && t > 0 ? t : 1800;
            var bookmarks = query["allowWatchBookmarks"] is ["true"] or ["1"];
            Interlocked.Increment(ref stats.Watches);
            Interlocked.Increment(ref stats.OpenWatches);
            try
            {
                context.Response.ContentType = "application/json";
                await context.Response.StartAsync(context.RequestAborted);
                await context.Response.Body.FlushAsync(context.RequestAborted);
                using var until = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
                until.CancelAfter(TimeSpan.FromSeconds(timeout));
                using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.BookmarkSeconds));
                var bookmark = Encoding.UTF8.GetBytes(
                    """{"type":"BOOKMARK","object":{"kind":"Rollout","apiVersion":"argoproj.io/v1alpha1","metadata":{"resourceVersion":"""
                    + "\"" + store.ResourceVersion.ToString(CultureInfo.InvariantCulture) + "\""
                    + ""","creationTimestamp":null},"spec":{},"status":{}}}""" + "\n");
                while (await timer.WaitForNextTickAsync(until.Token))
                {
                    if (bookmarks)
                    {
                        await context.Response.Body.WriteAsync(bookmark, until.Token);
                        await context.Response.Body.FlushAsync(until.Token);
                        Interlocked.Increment(ref stats.Bookmarks);
                    }
                }
            }
            catch (OperationCanceledException)
            {
                // timeoutSeconds reached, or the client went away: the stream simply ends.
            }
            finally
            {
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
}

using System.Text.Json;
using System.Text.Json.Nodes;
using DeadlineGuard.Admission;

namespace DeadlineGuard.Tests.Support;

/// <summary>Builds AdmissionReview requests the way the API server sends them.</summary>
public static class Reviews
{
    public static JsonObject Rollout(string name = "web", string @namespace = "team-a", JsonObject? spec = null) => new()
    {
        ["apiVersion"] = "argoproj.io/v1alpha1",
        ["kind"] = "Rollout",
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = @namespace },
        ["spec"] = spec ?? new JsonObject
        {
            ["replicas"] = 2,
            ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = name } },
            ["template"] = new JsonObject
            {
                ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["app"] = name } },
                ["spec"] = new JsonObject
                {
                    ["containers"] = new JsonArray(new JsonObject { ["name"] = "app", ["image"] = "argoproj/rollouts-demo:blue" }),
                },
            },
            ["strategy"] = new JsonObject { ["blueGreen"] = new JsonObject { ["activeService"] = name + "-active" } },
        },
    };

    /// <summary>
    /// <see cref="Rollout"/> without the pitfalls (docs/pitfalls.md) it has as built: a readinessProbe on its container
    /// (DG102) and abortScaleDownDelaySeconds 0 (DG101), for tests about the policy's own warnings alone.
    /// </summary>
    public static JsonObject PitfallFree(string name = "web", string @namespace = "team-a")
    {
        var rollout = Rollout(name, @namespace);
        rollout["spec"]!["template"]!["spec"]!["containers"]![0]!["readinessProbe"] = new JsonObject
        {
            ["httpGet"] = new JsonObject { ["path"] = "/healthz", ["port"] = 8080 },
        };
        rollout["spec"]!["strategy"]!["blueGreen"]!["abortScaleDownDelaySeconds"] = 0;
        return rollout;
    }

    public static JsonObject Review(
        JsonObject? obj,
        string operation = "CREATE",
        JsonObject? oldObject = null,
        string uid = "0b7f3a2e-1111-4c5d-9e8f-000000000001",
        string apiVersion = "admission.k8s.io/v1",
        string group = "argoproj.io",
        string kind = "Rollout",
        string? subResource = null,
        string user = "alice@example.com",
        bool dryRun = false)
    {
        var ns = obj?["metadata"]?["namespace"]?.GetValue<string>() ?? "team-a";
        var name = obj?["metadata"]?["name"]?.GetValue<string>() ?? "web";
        var request = new JsonObject
        {
            ["uid"] = uid,
            ["kind"] = new JsonObject { ["group"] = group, ["version"] = "v1alpha1", ["kind"] = kind },
            ["resource"] = new JsonObject { ["group"] = group, ["version"] = "v1alpha1", ["resource"] = "rollouts" },
            ["requestKind"] = new JsonObject { ["group"] = group, ["version"] = "v1alpha1", ["kind"] = kind },
            ["requestResource"] = new JsonObject { ["group"] = group, ["version"] = "v1alpha1", ["resource"] = "rollouts" },
            ["name"] = name,
            ["namespace"] = ns,
            ["operation"] = operation,
            ["userInfo"] = new JsonObject { ["username"] = user, ["groups"] = new JsonArray("system:authenticated") },
            ["object"] = obj,
            ["oldObject"] = oldObject,
            ["dryRun"] = dryRun,
            ["options"] = new JsonObject { ["apiVersion"] = "meta.k8s.io/v1", ["kind"] = operation == "UPDATE" ? "UpdateOptions" : "CreateOptions" },
        };
        if (subResource is not null)
        {
            request["subResource"] = subResource;
        }

        return new JsonObject { ["apiVersion"] = apiVersion, ["kind"] = "AdmissionReview", ["request"] = request };
    }

    /// <summary>A review decoded as the webhook decodes a request body (the result owns the parsed body: dispose its request).</summary>
    public static DecodeResult Decode(JsonObject review) => AdmissionDecoder.Decode(JsonSerializer.SerializeToUtf8Bytes(review));

    /// <summary>A review of <paramref name="rollout"/> decoded; throws when it does not decode.</summary>
    public static AdmissionRequest Request(JsonObject? rollout, string operation = "CREATE", JsonObject? oldObject = null, string user = "alice@example.com", bool dryRun = false) =>
        Decode(Review(rollout?.DeepClone().AsObject(), operation, oldObject?.DeepClone().AsObject(), user: user, dryRun: dryRun)).Request
            ?? throw new InvalidOperationException("review did not decode");

    /// <summary>A Rollout as the decisions see it once decoded (backed by its own parsed copy).</summary>
    public static DeadlineGuard.History.RolloutView View(JsonNode rollout) =>
        DeadlineGuard.History.RolloutView.Of(JsonSerializer.SerializeToElement(rollout));
}

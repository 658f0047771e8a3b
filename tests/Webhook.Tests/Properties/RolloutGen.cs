using System.Globalization;
using System.Text.Json.Nodes;
using CsCheck;
using DeadlineGuard.Admission;
using DeadlineGuard.Json;
using DeadlineGuard.Policy;
using DeadlineGuard.Tests.Support;

namespace DeadlineGuard.Tests.Properties;

/// <summary>A generated Rollout and the policy it is admitted under.</summary>
public sealed record RolloutCase(JsonObject Rollout, DeadlinePolicy Policy)
{
    public string Namespace => JsonValues.GetString(JsonValues.At(Rollout, "metadata", "namespace")) ?? string.Empty;

    public EffectivePolicy Effective => PolicyResolver.Resolve(Policy, Namespace);

    /// <summary>A CREATE of <paramref name="rollout"/> (this case's Rollout by default) as the API server sends it, decoded.</summary>
    public AdmissionRequest Create(JsonObject? rollout = null)
    {
        rollout ??= Rollout;
        var review = new JsonObject
        {
            ["apiVersion"] = AdmissionRequest.V1,
            ["kind"] = "AdmissionReview",
            ["request"] = new JsonObject
            {
                ["uid"] = "0b7f3a2e-2222-4c5d-9e8f-000000000002",
                ["kind"] = new JsonObject { ["group"] = "argoproj.io", ["version"] = "v1alpha1", ["kind"] = "Rollout" },
                ["namespace"] = Namespace,
                ["name"] = JsonValues.GetString(JsonValues.At(rollout, "metadata", "name")) ?? string.Empty,
                ["operation"] = "CREATE",
                ["userInfo"] = new JsonObject { ["username"] = "alice@example.com" },
                ["object"] = rollout.DeepClone(),
            },
        };
        return Reviews.Decode(review).Request ?? throw new InvalidOperationException("generated review did not decode");
    }

    public override string ToString()
    {
        var p = Policy;
        return $"policy inject={p.Inject} default={p.Defaults.ProgressDeadlineSeconds}/{p.Defaults.ProgressDeadlineAbort} " +
            $"bounds={p.Bounds.MinSeconds}-{p.Bounds.MaxSeconds} requireAbort={p.RequireAbort} action={p.Action}; rollout {Rollout.ToJsonString()}";
    }
}

/// <summary>CsCheck generators of Rollout-shaped objects (including wrong-typed deadline fields) and of policies.</summary>
public static class RolloutGen
{
    /// <summary>Strings a YAML 1.1 reader would type as something else if they were not quoted.</summary>
    public static readonly string[] TrickyStrings =
    [
        "yes", "no", "on", "off", "y", "n", "Y", "true", "False", "null", "Null", "~", "", "600", "-1", "60.0", "1e3", "1E+99",
        "0x10", "0o17", "012", "+1", ".5", "1_000", "12:30", "2001-12-14", ".inf", "-.inf", ".nan", "<<", "- a", "a: b",
        "#c", "'q'", "\"dq\"", "line1\nline2", "a \r\n b ", "tab\there", "nul\0", "nel\u0085", "ls\u2028ps\u2029", "\uFEFFbom", "\\", "é日😀", " lead", "trail ", "{}", "[]", "&a", "*a", "!tag", "%x", "@", "`",
    ];

    private const string DnsChars = "abcdefghijklmnopqrstuvwxyz0123456789-";

    private static readonly Gen<string> DnsName =
        Gen.Char[DnsChars].Array[0, 15].Select(chars => "r" + new string(chars).TrimEnd('-'));

    private static readonly Gen<string> Text = Gen.OneOf(
        Gen.OneOf(TrickyStrings),
        Gen.Char["abcXYZ019 -_./:~é日"].Array[0, 12].Select(chars => new string(chars)));

    /// <summary>Annotation keys with DNS prefixes, and with '/' and '~' that a JSON Pointer must escape.</summary>
    private static readonly Gen<string> AnnotationKey = Gen.Select(
        Gen.OneOf("", "example.com/", "deadline-guard.io/", "a~b.io/", "x/y/", "~"),
        Gen.Char["abz09-._~/"].Array[1, 10].Select(chars => new string(chars)),
        (prefix, name) => prefix + name);

    private static readonly Gen<JsonObject?> Annotations = Gen.Frequency(
        (1, Gen.Const<JsonObject?>(() => null)),
        (4, Gen.Select(AnnotationKey, Text).Array[0, 5].Select(pairs =>
        {
            var annotations = new JsonObject();
            foreach (var (key, value) in pairs)
            {
                annotations[key] = value;
            }

            return (JsonObject?)annotations;
        })));

    private static readonly Gen<string> Image = Gen.Select(
        Gen.OneOf("nginx", "argoproj/rollouts-demo", "registry.example.com:5000/team/app", "ghcr.io/o/r"),
        Gen.OneOf(":1.19-alpine", ":blue", ":latest", "@sha256:0123456789abcdef", ""),
        (name, tag) => name + tag);

    private static readonly Gen<JsonArray> Containers = Gen.Select(DnsName, Image).Array[1, 3].Select(list =>
        new JsonArray(list.Select((c, i) => (JsonNode)new JsonObject { ["name"] = $"{c.Item1}-{i}", ["image"] = c.Item2 }).ToArray()));

    private static readonly Gen<JsonObject> Strategy = Gen.OneOf(
        Gen.Select(Gen.Int[0, 100], Gen.Bool, Gen.OneOf(Gen.Int[0, 5].Select(i => (JsonNode)i), Gen.OneOf("25%", "1").Select(s => (JsonNode)s)), (weight, steps, surge) =>
        {
            var canary = new JsonObject { ["maxSurge"] = surge };
            if (steps)
            {
                canary["steps"] = new JsonArray(new JsonObject { ["setWeight"] = weight }, new JsonObject { ["pause"] = new JsonObject() });
            }

            return new JsonObject { ["canary"] = canary };
        }),
        Gen.Select(DnsName, Gen.Bool, Gen.Bool, (service, preview, autoPromotion) =>
        {
            var blueGreen = new JsonObject { ["activeService"] = service + "-active", ["autoPromotionEnabled"] = autoPromotion };
            if (preview)
            {
                blueGreen["previewService"] = service + "-preview";
            }

            return new JsonObject { ["blueGreen"] = blueGreen };
        }));

    /// <summary>A deadline as people write it, right and wrong: in and out of any bounds, strings, negatives, 1e99, null, booleans, fractions.</summary>
    public static readonly Gen<JsonNode?> DeadlineValue = Gen.Frequency(
        (8, Gen.Int[0, 8000].Select(i => (JsonNode?)i)),
        (1, Gen.Int[0, 8000].Select(i => JsonNode.Parse(i.ToString(CultureInfo.InvariantCulture) + ".0"))),
        (1, Gen.Int[0, 8000].Select(i => (JsonNode?)i.ToString(CultureInfo.InvariantCulture))),
        (1, Text.Select(s => (JsonNode?)s)),
        (1, Gen.Int[int.MinValue, -1].Select(i => (JsonNode?)i)),
        (1, Gen.OneOf(1e99, double.MaxValue, 2147483648d, 1e10, -1e99).Select(d => (JsonNode?)d)),
        (1, Gen.OneOf("1e99", "2147483648", "99999999999999999999999", "6e2", "600.5", "-0").Select(text => JsonNode.Parse(text))),
        (1, Gen.Const<JsonNode?>(() => null)),
        (1, Gen.Bool.Select(b => (JsonNode?)b)),
        (1, Gen.Const<JsonNode?>(() => new JsonObject())));

    public static readonly Gen<JsonNode?> AbortValue = Gen.Frequency(
        (6, Gen.Bool.Select(b => (JsonNode?)b)),
        (1, Gen.OneOf("true", "false", "yes").Select(s => (JsonNode?)s)),
        (1, Gen.Int[0, 1].Select(i => (JsonNode?)i)),
        (1, Gen.Const<JsonNode?>(() => null)));

    /// <summary>Mostly 0..5000; now and then a value the API server would refuse, which must not upset the webhook.</summary>
    public static readonly Gen<JsonNode?> MinReadyValue = Gen.Frequency(
        (12, Gen.Int[0, 5000].Select(i => (JsonNode?)i)),
        (1, Gen.Int[0, 5000].Select(i => JsonNode.Parse(i.ToString(CultureInfo.InvariantCulture) + ".0"))),
        (1, Gen.Int[0, 6].Select(i => i switch
        {
            0 => (JsonNode?)"10",
            1 => 10.5,
            2 => 1e99,
            3 => -5,
            4 => true,
            5 => null,
            _ => new JsonArray(),
        })));

    /// <summary>Present (with any value, null included) or absent: an absent field is a different thing from a null one.</summary>
    private static Gen<(bool Present, JsonNode? Value)> Optional(Gen<JsonNode?> value) =>
        Gen.Select(Gen.Bool, value, (present, v) => (present, present ? v : null));

    public static readonly Gen<JsonObject> Rollout =
        from name in DnsName
        from ns in DnsName
        from annotations in Annotations
        from replicas in Gen.Int[0, 10].Nullable(0.5)
        from minReady in Optional(MinReadyValue)
        from deadline in Optional(DeadlineValue)
        from abort in Optional(AbortValue)
        from containers in Containers
        from strategy in Strategy
        from workloadRef in Gen.Int[0, 9]
        select Build(name, ns, annotations, replicas, minReady, deadline, abort, containers, strategy, workloadRef == 0);

    private static JsonObject Build(
        string name, string ns, JsonObject? annotations, int? replicas, (bool Present, JsonNode? Value) minReady,
        (bool Present, JsonNode? Value) deadline, (bool Present, JsonNode? Value) abort,
        JsonArray containers, JsonObject strategy, bool workloadRef)
    {
        var metadata = new JsonObject { ["name"] = name, ["namespace"] = ns };
        if (annotations is not null)
        {
            metadata["annotations"] = annotations;
        }

        var spec = new JsonObject();
        if (replicas is { } r)
        {
            spec["replicas"] = r;
        }

        spec["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = name } };
        if (workloadRef)
        {
            spec["workloadRef"] = new JsonObject { ["apiVersion"] = "apps/v1", ["kind"] = "Deployment", ["name"] = name };
        }
        else
        {
            spec["template"] = new JsonObject
            {
                ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["app"] = name } },
                ["spec"] = new JsonObject { ["containers"] = containers },
            };
        }

        if (minReady.Present)
        {
            spec["minReadySeconds"] = minReady.Value;
        }

        if (deadline.Present)
        {
            spec["progressDeadlineSeconds"] = deadline.Value;
        }

        if (abort.Present)
        {
            spec["progressDeadlineAbort"] = abort.Value;
        }

        spec["strategy"] = strategy;
        return new JsonObject
        {
            ["apiVersion"] = "argoproj.io/v1alpha1",
            ["kind"] = "Rollout",
            ["metadata"] = metadata,
            ["spec"] = spec,
        };
    }

    /// <summary>A Rollout whose spec is missing, null, empty or not a mapping at all.</summary>
    public static readonly Gen<JsonObject> WithoutUsableSpec = Gen.Select(
        Rollout,
        Gen.Int[0, 4],
        (rollout, shape) =>
        {
            switch (shape)
            {
                case 0:
                    rollout.Remove("spec");
                    break;
                default:
                    rollout["spec"] = shape switch { 1 => null, 2 => new JsonObject(), 3 => new JsonArray(1, 2), _ => "spec" };
                    break;
            }

            return rollout;
        });

    public static readonly Gen<DeadlinePolicy> Policy =
        from min in Gen.Int[1, 600]
        from max in Gen.Int[min, 7200]
        from defaultSeconds in Gen.Int[min, max]
        from defaultAbort in Gen.Bool
        from inject in Gen.Bool
        from requireAbort in Gen.Bool
        from action in Gen.Enum<PolicyAction>()
        select DeadlinePolicy.BuiltIn with
        {
            Inject = inject,
            Defaults = new DeadlineDefaults(defaultSeconds, defaultAbort),
            Bounds = new DeadlineBounds(min, max),
            RequireAbort = requireAbort,
            Action = action,

            // No namespace is exempt; the exemption annotation, if generated, is never honoured (it only warns).
            Exemptions = DeadlinePolicy.BuiltIn.Exemptions with { AllowedIn = [], Namespaces = [] },
        };

    public static readonly Gen<RolloutCase> Case = Gen.Select(Rollout, Policy, (rollout, policy) => new RolloutCase(rollout, policy));
}

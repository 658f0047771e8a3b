using System.Text.Json.Nodes;
using CsCheck;
using DeadlineGuard.Pitfalls;
using DeadlineGuard.Tests.Properties;

namespace DeadlineGuard.Tests.Pitfalls;

/// <summary>
/// CsCheck generators of Rollouts carrying every shape the pitfall checks read (probes, steps, traffic routing,
/// abort delays, promotion settings, the ignore annotation), right and wrong, on top of <see cref="RolloutGen.Rollout"/>.
/// </summary>
public static class PitfallGen
{
    private static readonly string[] Ids = [.. PitfallCatalog.All.Select(d => d.Id)];

    /// <summary>Any JSON value of the wrong kind for a number of seconds.</summary>
    public static readonly Gen<JsonNode?> Unusable = Gen.OneOf(
        Gen.OneOf(RolloutGen.TrickyStrings).Select(s => (JsonNode?)s),
        Gen.Int[int.MinValue, -1].Select(i => (JsonNode?)i),
        Gen.OneOf("1e99", "-1e99", "2147483648", "10.5", "99999999999999999999").Select(t => JsonNode.Parse(t)),
        Gen.Bool.Select(b => (JsonNode?)b),
        Gen.Const<JsonNode?>(() => new JsonObject { ["seconds"] = 10 }),
        Gen.Const<JsonNode?>(() => new JsonArray(10)));

    /// <summary>Any JSON value that is neither an object nor null.</summary>
    public static readonly Gen<JsonNode?> NotAnObject = Unusable.Where(u => u is not JsonObject);

    /// <summary>Mostly plausible seconds; now and then null or something unusable.</summary>
    public static readonly Gen<JsonNode?> Seconds = Gen.Frequency(
        (8, Gen.Int[0, 2000].Select(i => (JsonNode?)i)),
        (1, Gen.Const<JsonNode?>(() => null)),
        (2, Unusable));

    /// <summary>A member that is absent, or present with a value (null included).</summary>
    private static Gen<(bool Present, JsonNode? Value)> Maybe(Gen<JsonNode?> value) =>
        Gen.Select(Gen.Bool, value, (present, v) => (present, present ? v : null));

    private static JsonObject Object(params (string Name, (bool Present, JsonNode? Value) Member)[] members)
    {
        var obj = new JsonObject();
        foreach (var (name, (present, value)) in members)
        {
            if (present)
            {
                obj[name] = value;
            }
        }

        return obj;
    }

    private static Gen<JsonNode?> Probe(Gen<JsonNode?> seconds) => Gen.Frequency(
        (6, Gen.Select(Maybe(seconds), Maybe(seconds), Maybe(seconds), (delay, period, threshold) => (JsonNode?)Object(
            ("httpGet", (true, new JsonObject { ["port"] = 8080 })), ("initialDelaySeconds", delay), ("periodSeconds", period), ("failureThreshold", threshold)))),
        (1, Gen.Const<JsonNode?>(() => null)),
        (1, Unusable));

    private static Gen<JsonNode?> Container(Gen<JsonNode?> probe) => Gen.Frequency(
        (10, Gen.Select(Gen.OneOf("web", "worker", "", "x-" + new string('a', 70)), Maybe(probe), Maybe(probe), (name, readiness, startup) =>
            (JsonNode?)Object(("name", (name.Length > 0, name)), ("image", (true, "example.com/app:1")), ("readinessProbe", readiness), ("startupProbe", startup)))),
        (1, Unusable));

    private static readonly Gen<JsonNode?> Step = Gen.Frequency(
        (3, Gen.Int[0, 100].Select(w => (JsonNode?)new JsonObject { ["setWeight"] = w })),
        (2, Gen.Const<JsonNode?>(() => new JsonObject { ["pause"] = new JsonObject() })),
        (2, Gen.OneOf<JsonNode?>(Gen.Const<JsonNode?>(() => "1h"), Gen.Int[0, 600].Select(i => (JsonNode?)i), Gen.Const<JsonNode?>(() => null), Unusable)
            .Select(d => (JsonNode?)new JsonObject { ["pause"] = new JsonObject { ["duration"] = d } })),
        (1, Unusable.Select(u => (JsonNode?)new JsonObject { ["pause"] = u })),
        (1, Unusable));

    private static readonly Gen<JsonNode?> TrafficRouting = Gen.OneOf(
        Gen.Const<JsonNode?>(() => new JsonObject { ["istio"] = new JsonObject { ["virtualService"] = new JsonObject { ["name"] = "vs" } } }),
        Gen.Const<JsonNode?>(() => new JsonObject()),
        Gen.Const<JsonNode?>(() => null),
        Unusable);

    private static readonly Gen<JsonNode?> Canary =
        from steps in Maybe(Gen.Frequency((6, Step.Array[0, 6].Select(s => (JsonNode?)new JsonArray(s))), (1, Unusable)))
        from routing in Maybe(TrafficRouting)
        from delay in Maybe(Seconds)
        from dynamic in Maybe(Gen.Frequency((4, Gen.Bool.Select(b => (JsonNode?)b)), (1, Unusable)))
        select (JsonNode?)Object(("steps", steps), ("trafficRouting", routing), ("abortScaleDownDelaySeconds", delay), ("dynamicStableScale", dynamic));

    private static readonly Gen<JsonNode?> BlueGreen =
        from delay in Maybe(Seconds)
        from auto in Maybe(Gen.Frequency((4, Gen.Bool.Select(b => (JsonNode?)b)), (1, Unusable)))
        from autoSeconds in Maybe(Seconds)
        select (JsonNode?)Object(("activeService", (true, "svc")), ("abortScaleDownDelaySeconds", delay), ("autoPromotionEnabled", auto), ("autoPromotionSeconds", autoSeconds));

    private static readonly Gen<JsonNode?> Strategy = Gen.Frequency(
        (4, Canary.Select(c => (JsonNode?)new JsonObject { ["canary"] = c })),
        (4, BlueGreen.Select(b => (JsonNode?)new JsonObject { ["blueGreen"] = b })),
        (1, Gen.Select(Canary, BlueGreen, (c, b) => (JsonNode?)new JsonObject { ["canary"] = c, ["blueGreen"] = b })),
        (1, Unusable));

    private static readonly Gen<JsonNode?> IgnoreAnnotation = Gen.Frequency(
        (3, Gen.OneOf(Ids).Array[0, 4].Select(ids => (JsonNode?)string.Join(", ", ids))),
        (1, Gen.Select(Gen.OneOf(Ids), Gen.OneOf(RolloutGen.TrickyStrings), (id, junk) => (JsonNode?)$"{id},{junk}, ,dg10{junk}")),
        (1, Unusable));

    private static Gen<JsonObject> Rollouts(Gen<JsonNode?> probe) =>
        from rollout in Gen.Frequency((8, RolloutGen.Rollout), (1, RolloutGen.WithoutUsableSpec))
        from containers in Gen.Frequency((8, Container(probe).Array[0, 4].Select(c => (JsonNode?)new JsonArray(c))), (1, Unusable))
        from initContainers in Maybe(Container(probe).Array[0, 2].Select(c => (JsonNode?)new JsonArray(c)))
        from strategy in Strategy
        from annotation in Maybe(IgnoreAnnotation)
        from stepIndex in Maybe(Gen.Frequency((3, Gen.Int[-2, 20].Select(i => (JsonNode?)i)), (1, Unusable)))
        select Shape(rollout, containers, initContainers, strategy, annotation, stepIndex);

    private static JsonObject Shape(
        JsonObject rollout, JsonNode? containers, (bool Present, JsonNode? Value) initContainers, JsonNode? strategy,
        (bool Present, JsonNode? Value) annotation, (bool Present, JsonNode? Value) stepIndex)
    {
        if (rollout["spec"] is JsonObject spec)
        {
            if (spec["template"]?["spec"] is JsonObject podSpec)
            {
                podSpec["containers"] = containers;
                if (initContainers.Present)
                {
                    podSpec["initContainers"] = initContainers.Value;
                }
            }

            spec["strategy"] = strategy;
        }

        if (annotation.Present)
        {
            if (rollout["metadata"] is JsonObject metadata && metadata["annotations"] is not JsonObject)
            {
                metadata["annotations"] = new JsonObject();
            }

            if (rollout["metadata"]?["annotations"] is JsonObject annotations)
            {
                annotations[PitfallDetector.IgnoreAnnotation] = annotation.Value;
            }
        }

        if (stepIndex.Present)
        {
            rollout["status"] = new JsonObject { ["currentStepIndex"] = stepIndex.Value };
        }

        return rollout;
    }

    /// <summary>Rollouts of every shape.</summary>
    public static readonly Gen<JsonObject> Rollout = Rollouts(Probe(Seconds));

    /// <summary>Rollouts whose probes are absent, null, not objects, or carry only unusable numbers.</summary>
    public static readonly Gen<JsonObject> WithUnusableProbes = Rollouts(Gen.Frequency(
        (4, Gen.Select(Unusable, Unusable, Unusable, (delay, period, threshold) => (JsonNode?)new JsonObject
        {
            ["httpGet"] = new JsonObject { ["port"] = 8080 },
            ["initialDelaySeconds"] = delay,
            ["periodSeconds"] = period,
            ["failureThreshold"] = threshold,
        })),
        (1, Gen.Const<JsonNode?>(() => null)),
        (1, NotAnObject)));

    public static readonly Gen<PitfallContext> Context =
        from deadline in Gen.Int[-10, 5000].Nullable(0.3)
        from pauseLimit in Gen.OneOf(0, 0, 3600)
        from covers in Gen.Bool
        from ignored in Gen.OneOf(Ids.Append("dg102").Append(" DG104 ").ToArray()).Array[0, 3]
        select new PitfallContext(deadline, pauseLimit, covers, ignored);
}

using System.Globalization;
using System.Text.Json;

namespace DeadlineGuard.Pitfalls;

/// <summary>
/// The parts of a Rollout the pitfall checks read, decoded once from the object as the API server or a
/// manifest gives it. Any shape is accepted: what is missing or of the wrong type is recorded as such.
/// </summary>
internal sealed record RolloutView(
    bool IsObject,
    JsonElement? IgnoreAnnotation,
    SecondsField Deadline,
    SecondsField MinReadySeconds,
    RolloutView.BlueGreenView? BlueGreen,
    RolloutView.CanaryView? Canary,
    IReadOnlyList<RolloutView.ContainerView>? Containers,
    string? WorkloadRef)
{
    /// <summary><c>spec.strategy.blueGreen</c>, when it is an object.</summary>
    internal sealed record BlueGreenView(SecondsField AbortScaleDownDelay, JsonElement? AutoPromotionEnabled, SecondsField AutoPromotionSeconds);

    /// <summary><c>spec.strategy.canary</c>, when it is an object.</summary>
    /// <param name="TrafficRouting">Null when absent; the names of its members (providers) otherwise, empty for <c>{}</c>.</param>
    /// <param name="PausesWithoutDuration">Indexes of steps whose <c>pause</c> is an object with no <c>duration</c>.</param>
    internal sealed record CanaryView(
        SecondsField AbortScaleDownDelay, bool DynamicStableScale, IReadOnlyList<string>? TrafficRouting, IReadOnlyList<int> PausesWithoutDuration);

    /// <summary>An app container (<c>spec.template.spec.containers[i]</c>).</summary>
    /// <param name="HasReadinessProbe">False only when <c>readinessProbe</c> is absent or null; a wrong-typed one counts as present.</param>
    internal sealed record ContainerView(string Name, bool HasReadinessProbe, ProbeView? StartupProbe, ProbeView? ReadinessProbe);

    /// <summary>A probe that is present (not absent, not null); <see cref="IsObject"/> false when it is some other JSON type.</summary>
    internal sealed record ProbeView(bool IsObject, string Found, SecondsField InitialDelaySeconds, SecondsField PeriodSeconds, SecondsField FailureThreshold);

    public const string IgnoreAnnotationKey = "deadline-guard.io/ignore-pitfalls";

    public static RolloutView From(JsonElement rollout) =>
        rollout.ValueKind != JsonValueKind.Object
            ? new RolloutView(false, null, SecondsField.Absent, SecondsField.Absent, null, null, null, null)
            : FromParts(JsonRead.At(rollout, "spec"), JsonRead.At(rollout, "metadata", "annotations", IgnoreAnnotationKey));

    /// <summary>
    /// The view of a Rollout object from the only two parts the checks read: its <c>spec</c> and the value of its
    /// <see cref="IgnoreAnnotationKey"/> annotation (null or undefined when absent).
    /// </summary>
    public static RolloutView FromParts(JsonElement? spec, JsonElement? ignoreAnnotation)
    {
        if (spec is { ValueKind: JsonValueKind.Undefined })
        {
            spec = null;
        }

        if (ignoreAnnotation is { ValueKind: JsonValueKind.Undefined })
        {
            ignoreAnnotation = null;
        }

        var strategy = JsonRead.At(spec, "strategy");
        var blueGreen = JsonRead.At(strategy, "blueGreen");
        var canary = JsonRead.At(strategy, "canary");
        return new RolloutView(
            true,
            ignoreAnnotation,
            SecondsField.Read(JsonRead.At(spec, "progressDeadlineSeconds")),
            SecondsField.Read(JsonRead.At(spec, "minReadySeconds")),
            JsonRead.IsObject(blueGreen) ? ReadBlueGreen(blueGreen!.Value) : null,
            JsonRead.IsObject(canary) ? ReadCanary(canary!.Value) : null,
            ReadContainers(JsonRead.At(spec, "template", "spec", "containers")),
            ReadWorkloadRef(JsonRead.At(spec, "workloadRef")));
    }

    private static BlueGreenView ReadBlueGreen(JsonElement blueGreen) => new(
        SecondsField.Read(JsonRead.At(blueGreen, "abortScaleDownDelaySeconds")),
        JsonRead.At(blueGreen, "autoPromotionEnabled"),
        SecondsField.Read(JsonRead.At(blueGreen, "autoPromotionSeconds")));

    private static CanaryView ReadCanary(JsonElement canary)
    {
        var trafficRouting = JsonRead.At(canary, "trafficRouting");
        IReadOnlyList<string>? providers = JsonRead.IsObject(trafficRouting)
            ? [.. JsonRead.Members(trafficRouting).Select(m => m.Name)]
            : null;

        var pauses = new List<int>();
        var steps = JsonRead.Items(JsonRead.At(canary, "steps")) ?? [];
        for (var i = 0; i < steps.Count; i++)
        {
            var pause = JsonRead.At(steps[i], "pause");

            // Go leaves RolloutPause.Duration nil for an absent or null duration: reconcileCanaryPause then waits for a promote.
            if (JsonRead.IsObject(pause) && JsonRead.IsAbsent(JsonRead.At(pause, "duration")))
            {
                pauses.Add(i);
            }
        }

        return new CanaryView(
            SecondsField.Read(JsonRead.At(canary, "abortScaleDownDelaySeconds")),
            JsonRead.IsTrue(JsonRead.At(canary, "dynamicStableScale")),
            providers,
            pauses);
    }

    private static List<ContainerView>? ReadContainers(JsonElement? containers)
    {
        var items = JsonRead.Items(containers);
        if (items is null)
        {
            return null;
        }

        var views = new List<ContainerView>(items.Count);
        for (var i = 0; i < items.Count; i++)
        {
            if (items[i].ValueKind != JsonValueKind.Object)
            {
                continue;
            }

            var name = JsonRead.String(JsonRead.At(items[i], "name"));
            var readiness = ReadProbe(JsonRead.At(items[i], "readinessProbe"));
            views.Add(new ContainerView(
                string.IsNullOrEmpty(name) ? "containers[" + i.ToString(CultureInfo.InvariantCulture) + "]" : name,
                readiness is not null,
                ReadProbe(JsonRead.At(items[i], "startupProbe")),
                readiness));
        }

        return views;
    }

    private static ProbeView? ReadProbe(JsonElement? probe)
    {
        if (JsonRead.IsAbsent(probe))
        {
            return null;
        }

        return new ProbeView(
            JsonRead.IsObject(probe),
            JsonRead.Describe(probe),
            SecondsField.Read(JsonRead.At(probe, "initialDelaySeconds")),
            SecondsField.Read(JsonRead.At(probe, "periodSeconds")),
            SecondsField.Read(JsonRead.At(probe, "failureThreshold")));
    }

    private static string? ReadWorkloadRef(JsonElement? workloadRef)
    {
        if (!JsonRead.IsObject(workloadRef))
        {
            return null;
        }

        var kind = JsonRead.String(JsonRead.At(workloadRef, "kind"));
        var name = JsonRead.String(JsonRead.At(workloadRef, "name"));
        return $"{(string.IsNullOrEmpty(kind) ? "?" : kind)}/{(string.IsNullOrEmpty(name) ? "?" : name)}";
    }
}

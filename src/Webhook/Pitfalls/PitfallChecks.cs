using System.Globalization;

namespace DeadlineGuard.Pitfalls;

/// <summary>
/// One pure check per pitfall over a decoded <see cref="RolloutView"/>. Each returns a finding or null, and
/// never fires on a value it cannot read: an unreadable value gives a note instead. The upstream facts each
/// check relies on are in docs/pitfalls.md.
/// </summary>
internal static class PitfallChecks
{
    /// <summary>Argo's <c>DefaultProgressDeadlineSeconds</c> (utils/defaults/defaults.go:28).</summary>
    public const int ArgoDefaultDeadlineSeconds = 600;

    /// <summary>Argo's <c>DefaultAbortScaleDownDelaySeconds</c> (utils/defaults/defaults.go:32).</summary>
    public const int ArgoDefaultAbortScaleDownDelaySeconds = 30;

    /// <summary>Kubernetes' probe defaults (SetDefaults_Probe, pkg/apis/core/v1/defaults.go): a 0 or absent field gets these.</summary>
    public const int ProbePeriodSecondsDefault = 10;

    public const int ProbeFailureThresholdDefault = 3;

    private static string S(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// A finding whose explanation is written only when read (<c>review</c> reads it, admission does not): the
    /// <paramref name="explanation"/> must capture plain values only, never a <see cref="System.Text.Json.JsonElement"/>,
    /// whose document the caller may have disposed by then.
    /// </summary>
    private static PitfallFinding Finding(string id, string warning, Func<string> explanation)
    {
        var definition = PitfallCatalog.Get(id);
        return new PitfallFinding(id, definition.Severity, PitfallText.Fit(warning), () => explanation() + " " + PitfallText.Silence(id));
    }

    public static PitfallFinding? UnknownIgnoredIds(IReadOnlyList<string> unknown)
    {
        if (unknown.Count == 0)
        {
            return null;
        }

        var id = PitfallCatalog.UnknownIgnoredId;
        var known = $"{PitfallCatalog.All[1].Id}-{PitfallCatalog.All[^1].Id}";
        string Line(string list) => $"{id} {RolloutView.IgnoreAnnotationKey} names unknown {list}; known: {known}";
        var names = PitfallText.NameList(unknown, Line);
        return Finding(
            id,
            Line(names),
            () => $"The annotation {RolloutView.IgnoreAnnotationKey} lists {string.Join(", ", unknown.Select(u => "\"" + PitfallText.Clip(u, 40) + "\""))}, " +
            $"which {(unknown.Count == 1 ? "is not a pitfall id" : "are not pitfall ids")}; nothing is ignored for {(unknown.Count == 1 ? "it" : "them")}. " +
            $"Known ids: {string.Join(", ", PitfallCatalog.All.Select(d => d.Id))}.");
    }

    /// <summary>
    /// DG101: an aborted preview (BlueGreen) or canary (with trafficRouting) is scaled to zero but keeps its
    /// scale-down-deadline annotation, which later blocks every deadline and abort (argo-rollouts#3988, #4971).
    /// </summary>
    public static PitfallFinding? StaleScaleDownDeadline(RolloutView rollout)
    {
        string? field = null;
        SecondsField delay = default;
        string replicaSet = "";
        if (rollout.BlueGreen is { } blueGreen)
        {
            (field, delay, replicaSet) = ("blueGreen", blueGreen.AbortScaleDownDelay, "preview");
        }
        else if (rollout.Canary is { TrafficRouting: not null } canary)
        {
            // shouldDelayScaleDownOnAbort: an unset delay with dynamicStableScale takes no delay, so no annotation stays.
            if (!canary.AbortScaleDownDelay.Present && canary.DynamicStableScale)
            {
                return null;
            }

            (field, delay, replicaSet) = ("canary", canary.AbortScaleDownDelay, "canary");
        }

        if (field is null || !delay.Usable || (delay.Present && delay.Value == 0))
        {
            return null;
        }

        var seconds = delay.Present ? S(delay.Value) : S(ArgoDefaultAbortScaleDownDelaySeconds) + " (default)";
        var id = PitfallCatalog.StaleScaleDownDeadline;
        return Finding(
            id,
            $"{id} {field}.abortScaleDownDelaySeconds is {seconds}: after an abort, later deadlines may never fire",
            () => $"spec.strategy.{field}.abortScaleDownDelaySeconds is {seconds}. After an abort, Argo Rollouts scales the aborted {replicaSet} " +
            "ReplicaSet to zero when that delay has passed but leaves its scale-down-deadline annotation on it (scaleReplicaSet keeps it " +
            "while the Rollout is aborted). From the next revision on, that ReplicaSet counts as waiting for scale-down " +
            "(isWaitingForReplicaSetScaleDown), so Argo never marks a revision ProgressDeadlineExceeded and never aborts it for " +
            "progressDeadlineAbort, until revisionHistoryLimit deletes the old ReplicaSet (argo-rollouts#3988, #4971; not fixed in v1.10.0). " +
            $"Fix: set spec.strategy.{field}.abortScaleDownDelaySeconds: 0 (the aborted pods then stay up until the next revision), " +
            "or run the deadline-guard reconciler, which enforces the deadline itself and can remove the stale annotation " +
            "(Reconciler:RepairStaleScaleDownDeadline).");
    }

    /// <summary>DG102: an app container without readinessProbe is Ready as soon as it runs.</summary>
    public static PitfallFinding? NoReadinessProbe(IReadOnlyList<RolloutView.ContainerView> containers)
    {
        var missing = containers.Where(c => !c.HasReadinessProbe).Select(c => c.Name).ToList();
        if (missing.Count == 0)
        {
            return null;
        }

        var id = PitfallCatalog.NoReadinessProbe;
        var one = missing.Count == 1;
        string Line(string list) => $"{id} no readinessProbe in {list}: Ready once running, so no deadline catches a broken version";
        return Finding(
            id,
            Line(PitfallText.NameList(missing, Line)),
            () => $"{(one ? "Container" : "Containers")} {string.Join(", ", missing.Select(n => PitfallText.Clip(n, 63)))} of spec.template " +
            $"{(one ? "has" : "have")} no readinessProbe, so the kubelet reports {(one ? "it" : "them")} Ready as soon as {(one ? "it runs" : "they run")} " +
            "(after the startupProbe, if any). A version that starts but does not work becomes Ready and Available, Argo Rollouts counts " +
            "that as progress and completes the revision: no progress deadline can catch it. Fix: give every app container a " +
            "readinessProbe that checks it can serve (an HTTP health endpoint, a gRPC health check). Init containers and sidecars " +
            "(initContainers with restartPolicy: Always) are not judged: the app containers' readiness is what proves a version works.");
    }

    /// <summary>
    /// DG103: the deadline in force is shorter than the start-up the pod template declares. Only fires when a
    /// probe declares something, so a deadline not above minReadySeconds alone is left to the policy's own rule.
    /// </summary>
    public static PitfallFinding? DeadlineShorterThanStartup(
        RolloutView rollout, IReadOnlyList<RolloutView.ContainerView> containers, PitfallContext context, List<string> notes)
    {
        var id = PitfallCatalog.DeadlineShorterThanStartup;
        long deadline;
        string deadlineSource;
        if (context.DeadlineSeconds is { } inForce)
        {
            (deadline, deadlineSource) = (inForce, "");
        }
        else if (!rollout.Deadline.Present)
        {
            (deadline, deadlineSource) = (ArgoDefaultDeadlineSeconds, " (Argo's default)");
        }
        else if (rollout.Deadline.Usable)
        {
            (deadline, deadlineSource) = (rollout.Deadline.Value, "");
        }
        else
        {
            notes.Add($"{id} not judged: spec.progressDeadlineSeconds is {rollout.Deadline.Found}");
            return null;
        }

        StartupBudget? slowest = null;
        foreach (var container in containers)
        {
            var budget = StartupBudget.Of(container, out var unreadable);
            if (unreadable is not null)
            {
                notes.Add($"{id} not judged for container {PitfallText.Clip(container.Name, 63)}: {unreadable}");
            }
            else if (budget.Seconds > 0 && (slowest is null || budget.Seconds > slowest.Value.Seconds))
            {
                slowest = budget;
            }
        }

        if (slowest is not { } start)
        {
            return null;
        }

        // minReadySeconds of a wrong type counts as 0: the budget stays a lower bound, so a finding is never false.
        var minReady = rollout.MinReadySeconds.Usable ? rollout.MinReadySeconds.Value : 0;
        if (deadline <= minReady)
        {
            // Argo rejects this spec itself (InvalidSpec, validation.go) and the policy reports it: not this pitfall.
            return null;
        }

        var blueGreen = rollout.BlueGreen is not null;
        // Canary: a pod turning Ready is progress and turning Available (minReadySeconds later) is progress again, so the
        // two are separate stretches; a deadline not above minReadySeconds is the policy's own rule, not this pitfall.
        var total = blueGreen ? minReady + start.Seconds : start.Seconds;
        if (deadline >= total)
        {
            return null;
        }

        string Breakdown(string slowestName) => blueGreen
            ? $"minReadySeconds {S(minReady)} + container {slowestName}'s {start.Breakdown} = {S(total)} s. In a BlueGreen update the preview " +
              "ReplicaSet's readiness is not progress (the Rollout's ready and available counts are the active ReplicaSet's), and the " +
              "active Service switches only once the preview is fully available, so the two add up"
            : $"container {slowestName}'s {start.Breakdown} = {S(total)} s. In a canary update a pod turning Ready counts as progress " +
              "and turning Available counts again, so minReadySeconds is a separate stretch and is not added";
        return Finding(
            id,
            $"{id} progressDeadlineSeconds {S(deadline)} is shorter than the {S(total)} s start-up the pods declare: slow healthy starts abort",
            () => $"The progressDeadlineSeconds in force is {S(deadline)}{deadlineSource}, but the pod template declares a start-up of up to " +
            $"{S(total)} s: {Breakdown(PitfallText.Clip(start.Container, 63))}. A pod that starts within what it declares, but slowly, makes no progress Argo Rollouts can see for " +
            "longer than the deadline: the revision is marked ProgressDeadlineExceeded, and aborted with progressDeadlineAbort. " +
            $"Fix: raise spec.progressDeadlineSeconds above {S(total)} (within the policy's bounds), or make the probes declare a shorter start.");
    }

    /// <summary>DG104: a pause Argo waits out for ever, with no pause limit in force to end it.</summary>
    public static PitfallFinding? IndefinitePause(RolloutView rollout, PitfallContext context)
    {
        if (context.PauseLimitSeconds > 0)
        {
            return null;
        }

        var reasons = new List<string>();
        var fixes = new List<string> { "set the policy's pauses.maxSeconds (enforced by the deadline-guard reconciler, which aborts a pause older than the limit)" };
        var warning = "";
        if (rollout.BlueGreen is { } blueGreen && JsonRead.IsFalse(blueGreen.AutoPromotionEnabled))
        {
            var ignored = blueGreen.AutoPromotionSeconds is { Present: true, Usable: true, Value: > 0 }
                ? $" (autoPromotionSeconds {S(blueGreen.AutoPromotionSeconds.Value)} is ignored when autoPromotionEnabled is false)"
                : "";
            reasons.Add("spec.strategy.blueGreen.autoPromotionEnabled is false: once the preview is ready, Argo Rollouts adds a " +
                $"BlueGreenPause pause condition and waits for a promote{ignored}");
            warning = "blueGreen.autoPromotionEnabled is false";
            fixes.Add("if an automatic promotion is acceptable, leave autoPromotionEnabled unset and set autoPromotionSeconds");
        }

        if (rollout.Canary is { PausesWithoutDuration.Count: > 0 } canary)
        {
            var steps = string.Join(", ", canary.PausesWithoutDuration.Select(i => S(i)));
            var one = canary.PausesWithoutDuration.Count == 1;
            reasons.Add($"canary {(one ? "step" : "steps")} {steps} {(one ? "is" : "are")} pause: {{}} without duration: Argo Rollouts adds a " +
                "CanaryPauseStep pause condition there and waits for a promote");
            warning = warning.Length > 0 ? warning + " and a canary pause: {}" : $"canary {(one ? "step" : "steps")} {steps}: pause without duration";
            fixes.Add("give the pause a duration");
        }

        if (reasons.Count == 0)
        {
            return null;
        }

        var id = PitfallCatalog.IndefinitePause;
        return Finding(
            id,
            $"{id} {warning} and no pause limit: the revision can wait for ever",
            () => string.Join("; ", reasons) + ". While a Rollout is paused Argo does not count the progress deadline (isIndefiniteStep), and no " +
            $"pause limit is in force, so the revision can wait for ever with both versions running. Fix: {string.Join(", or ", fixes)}. " +
            "An InconclusiveAnalysis pause is a run-time state that no manifest shows; the pause limit covers it too.");
    }

    /// <summary>DG105: a traffic-routing error returns from Argo's canary reconcile before the deadline is checked (#4626).</summary>
    public static PitfallFinding? TrafficRoutingSkipsDeadline(RolloutView rollout)
    {
        if (rollout.Canary is not { TrafficRouting.Count: > 0 } canary)
        {
            return null;
        }

        var id = PitfallCatalog.TrafficRoutingSkipsDeadline;
        var routers = canary.TrafficRouting;
        return Finding(
            id,
            $"{id} canary trafficRouting: a persistent traffic-routing error skips Argo's deadline check (argo-rollouts#4626)",
            () => $"spec.strategy.canary.trafficRouting ({string.Join(", ", routers.Select(p => PitfallText.Clip(p, 24)))}) is set. Argo Rollouts' rolloutCanary() returns as soon as " +
            "reconcileTrafficRouting() fails, before syncRolloutStatusCanary(), where the progress deadline and progressDeadlineAbort " +
            "are evaluated. While the error persists the revision stays Progressing for ever; with Istio subset routing a canary " +
            "ReplicaSet that never becomes available is itself such an error (\"delaying destination rule switch\") " +
            "(argo-rollouts#4626, open in v1.10.0; fixes #4823 and #4962 not merged). Fix: run the deadline-guard reconciler, which " +
            "judges the deadline from outside Argo's reconcile.");
    }

    /// <summary>The longest a container may take to become Ready by its own probes, and how that was counted.</summary>
    private readonly record struct StartupBudget(long Seconds, string Container, string Breakdown)
    {
        /// <summary>
        /// startupProbe: initialDelaySeconds + periodSeconds × failureThreshold (the kubelet restarts the container after
        /// that); otherwise the readinessProbe's initialDelaySeconds; otherwise 0. <paramref name="unreadable"/> names a
        /// value that could not be read, and then the budget is unknown.
        /// </summary>
        public static StartupBudget Of(RolloutView.ContainerView container, out string? unreadable)
        {
            unreadable = null;
            if (container.StartupProbe is { } startup)
            {
                if (!startup.IsObject)
                {
                    unreadable = $"startupProbe is {startup.Found}";
                    return default;
                }

                unreadable = Unreadable("startupProbe", startup, periodAndThreshold: true);
                if (unreadable is not null)
                {
                    return default;
                }

                var delay = startup.InitialDelaySeconds.OrDefault(0);
                var period = startup.PeriodSeconds.OrDefault(ProbePeriodSecondsDefault);
                var threshold = startup.FailureThreshold.OrDefault(ProbeFailureThresholdDefault);
                return new StartupBudget(delay + (period * threshold), container.Name, $"startupProbe {S(delay)} + {S(period)} × {S(threshold)}");
            }

            if (container.ReadinessProbe is { } readiness)
            {
                if (!readiness.IsObject)
                {
                    unreadable = $"readinessProbe is {readiness.Found}";
                    return default;
                }

                unreadable = Unreadable("readinessProbe", readiness, periodAndThreshold: false);
                return unreadable is null
                    ? new StartupBudget(readiness.InitialDelaySeconds.Value, container.Name, $"readinessProbe initialDelaySeconds {S(readiness.InitialDelaySeconds.Value)}")
                    : default;
            }

            return new StartupBudget(0, container.Name, "");
        }

        private static string? Unreadable(string probe, RolloutView.ProbeView view, bool periodAndThreshold)
        {
            if (!view.InitialDelaySeconds.Usable)
            {
                return $"{probe}.initialDelaySeconds is {view.InitialDelaySeconds.Found}";
            }

            if (periodAndThreshold && !view.PeriodSeconds.Usable)
            {
                return $"{probe}.periodSeconds is {view.PeriodSeconds.Found}";
            }

            return periodAndThreshold && !view.FailureThreshold.Usable ? $"{probe}.failureThreshold is {view.FailureThreshold.Found}" : null;
        }
    }
}

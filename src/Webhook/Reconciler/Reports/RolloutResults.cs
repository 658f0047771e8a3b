using System.Globalization;
using DeadlineGuard.History;
using DeadlineGuard.Pitfalls;
using DeadlineGuard.Policy;

namespace DeadlineGuard.Reconciler.Reports;

/// <summary>
/// The results one Rollout gets in its namespace's report (docs/reports.md): the policy's rules judged on its current
/// spec, as <c>review</c> judges them; each pitfall in force; and the enforcement (the reconciler's own verdict). A
/// pure function of (snapshot, verdict, policy): no I/O, no clock.
/// </summary>
public static class RolloutResults
{
    /// <summary>The policy's rules (DESIGN.md §2).</summary>
    public const string RulesPolicy = "progress-deadline-policy";

    /// <summary>The pitfall catalog (docs/pitfalls.md): one rule per id.</summary>
    public const string PitfallsPolicy = "progress-deadline-pitfalls";

    /// <summary>What the reconciler enforces now.</summary>
    public const string EnforcementPolicy = "progress-deadline-enforcement";

    public const string DeadlineSet = "deadline-set";
    public const string DeadlineWithinBounds = "deadline-within-bounds";
    public const string DeadlineAboveMinReady = "deadline-above-min-ready-seconds";
    public const string AbortOnDeadline = "abort-on-deadline";
    public const string DeadlineEnforced = "progress-deadline";
    public const string PauseLimitEnforced = "pause-limit";

    private const string DeadlineField = "spec.progressDeadlineSeconds";
    private const string AbortField = "spec.progressDeadlineAbort";

    private static readonly KeyValuePair<string, string>[] NoProperties = [];

    public static List<ReportResult> For(RolloutSnapshot rollout, DeadlineVerdict verdict, DeadlinePolicy policy)
    {
        ArgumentNullException.ThrowIfNull(rollout);
        ArgumentNullException.ThrowIfNull(verdict);
        ArgumentNullException.ThrowIfNull(policy);
        var results = new List<ReportResult>(6);
        if (Exemption(rollout, policy) is { } exempt)
        {
            foreach (var rule in new[] { DeadlineSet, DeadlineWithinBounds, DeadlineAboveMinReady, AbortOnDeadline })
            {
                results.Add(Result(RulesPolicy, rule, ReportOutcome.Skip, exempt, "medium"));
            }

            results.Add(Result(EnforcementPolicy, DeadlineEnforced, ReportOutcome.Skip, exempt, "high"));
            return results;
        }

        Rules(rollout, PolicyResolver.Resolve(policy, rollout.Namespace), results);
        foreach (var pitfall in InForce(rollout.Pitfalls, policy, rollout.Namespace).Definitions)
        {
            results.Add(new ReportResult(PitfallsPolicy, pitfall.Id, ReportOutcome.Warn, $"{pitfall.Id} {pitfall.Title} ({pitfall.DocsAnchor})", PitfallSeverityName.Of(pitfall.Severity), Scored: false, NoProperties));
        }

        results.Add(Enforcement(rollout, verdict));
        return results;
    }

    /// <summary>
    /// The pitfalls the report shows: those found in the object, less those the reconciler covers (it enforces the
    /// deadline itself, as admission then leaves them out, DESIGN.md §5a), less those the policy's
    /// <c>pitfalls.ignore</c> lists, and less DG104 where a pause limit is in force for the namespace (the reconciler
    /// that writes the report enforces it): what the detector reports under that context.
    /// </summary>
    public static PitfallSet InForce(PitfallSet found, DeadlinePolicy policy, string @namespace)
    {
        ArgumentNullException.ThrowIfNull(policy);
        foreach (var covered in PitfallCatalog.All.Where(d => d.CoveredByReconciler))
        {
            found = found.Without(covered.Id);
        }

        return RolloutPitfalls.UnderPolicy(found, policy, @namespace);
    }

    /// <summary>Why the policy does not apply to the Rollout (an exempt namespace, an honoured exemption annotation), or null.</summary>
    public static string? Exemption(RolloutSnapshot rollout, DeadlinePolicy policy)
    {
        ArgumentNullException.ThrowIfNull(rollout);
        ArgumentNullException.ThrowIfNull(policy);
        if (PolicyResolver.IsExemptNamespace(policy, rollout.Namespace))
        {
            return $"not evaluated: namespace {rollout.Namespace} is in the policy's exemptions.namespaces";
        }

        return rollout.ExemptionKey == policy.Exemptions.Annotation && !string.IsNullOrWhiteSpace(rollout.ExemptionValue)
            && NamespaceGlob.MatchesAny(policy.Exemptions.AllowedIn, rollout.Namespace)
            ? $"exempt by annotation {policy.Exemptions.Annotation}: {rollout.ExemptionValue.Trim()}"
            : null;
    }

    /// <summary>The policy's rules as the webhook's validation words them (Admission/RolloutDeadlineRules), on the current spec.</summary>
    private static void Rules(RolloutSnapshot rollout, EffectivePolicy policy, List<ReportResult> results)
    {
        var violation = policy.Action == PolicyAction.Warn ? ReportOutcome.Warn : ReportOutcome.Fail;
        var scored = violation == ReportOutcome.Fail;
        var range = $"a whole number of seconds from {I(policy.MinSeconds)} to {I(policy.MaxSeconds)}";
        var bounds = $"policy bounds {I(policy.MinSeconds)}-{I(policy.MaxSeconds)}";
        var minReady = rollout.MinReadySeconds is > 0 and var m ? m : 0;
        var inject = policy.Inject ? $" (the webhook injects {I(policy.DefaultSeconds)} at the Rollout's next write)" : string.Empty;

        if (rollout.SpecDeadlineSeconds is not { } deadline)
        {
            var message = rollout.SpecDeadlineFound is { } found
                ? $"{DeadlineField} is {found}; it must be {range}"
                : $"{DeadlineField} is missing; it must be set to {range}{inject}";
            results.Add(new ReportResult(RulesPolicy, DeadlineSet, violation, message, "high", scored, NoProperties));
            results.Add(Result(RulesPolicy, DeadlineWithinBounds, ReportOutcome.Skip, $"not judged: {DeadlineField} is not a whole number", "medium"));
            results.Add(Result(RulesPolicy, DeadlineAboveMinReady, ReportOutcome.Skip, $"not judged: {DeadlineField} is not a whole number", "high"));
        }
        else
        {
            results.Add(Result(RulesPolicy, DeadlineSet, ReportOutcome.Pass, $"{DeadlineField} is {I(deadline)}", "high"));
            results.Add(deadline < policy.MinSeconds
                ? new ReportResult(RulesPolicy, DeadlineWithinBounds, violation, $"{DeadlineField} is {I(deadline)}; it must be at least {I(policy.MinSeconds)} ({bounds})", "medium", scored, NoProperties)
                : deadline > policy.MaxSeconds
                ? new ReportResult(RulesPolicy, DeadlineWithinBounds, violation, $"{DeadlineField} is {I(deadline)}; it must be at most {I(policy.MaxSeconds)} ({bounds})", "medium", scored, NoProperties)
                : Result(RulesPolicy, DeadlineWithinBounds, ReportOutcome.Pass, $"{DeadlineField} {I(deadline)} is within the {bounds}", "medium"));

            // As the webhook: a value already below the minimum bound is reported once, by the bound.
            results.Add(deadline < policy.MinSeconds
                ? Result(RulesPolicy, DeadlineAboveMinReady, ReportOutcome.Skip, $"not judged: {DeadlineField} is below the policy's minimum", "high")
                : deadline <= minReady
                ? new ReportResult(RulesPolicy, DeadlineAboveMinReady, violation, $"{DeadlineField} is {I(deadline)}; it must be greater than spec.minReadySeconds ({I(minReady)}), as Argo Rollouts requires", "high", scored, NoProperties)
                : Result(RulesPolicy, DeadlineAboveMinReady, ReportOutcome.Pass, $"{DeadlineField} {I(deadline)} is greater than spec.minReadySeconds ({I(minReady)})", "high"));
        }

        results.Add(!policy.RequireAbort
            ? Result(RulesPolicy, AbortOnDeadline, ReportOutcome.Skip, $"not required: the policy's requireAbort is false for namespace {rollout.Namespace}", "medium")
            : rollout.SpecAbort
            ? Result(RulesPolicy, AbortOnDeadline, ReportOutcome.Pass, $"{AbortField} is true", "medium")
            : new ReportResult(
                RulesPolicy,
                AbortOnDeadline,
                violation,
                $"{AbortField} is {rollout.SpecAbortFound ?? "missing"}; it must be true: the policy requires a Rollout to abort when its deadline passes{(rollout.SpecAbortFound is null && policy.Inject ? $" (the webhook injects {(policy.DefaultAbort ? "true" : "false")} at the Rollout's next write)" : string.Empty)}",
                "medium",
                scored,
                NoProperties));
    }

    /// <summary>
    /// fail while the reconciler finds the revision past the limit its verdict judges (plus grace), else pass, with the
    /// judge's reason. The rule is the limit judged: <c>progress-deadline</c>, or <c>pause-limit</c> while Argo holds
    /// the Rollout paused (the judge then times the pause, not the deadline).
    /// </summary>
    private static ReportResult Enforcement(RolloutSnapshot rollout, DeadlineVerdict verdict)
    {
        var pause = verdict.Limit == LimitKind.Pause;
        var properties = new List<KeyValuePair<string, string>>(8)
        {
            new("verdict", verdict.Kind.ToString().ToLowerInvariant()),
            new("limit", pause ? "pause" : "deadline"),
            new("deadlineSeconds", I(rollout.SpecDeadlineSeconds ?? DeadlineJudge.ArgoDefaultDeadlineSeconds)),
            new("abort", (pause ? verdict.Abort : rollout.SpecAbort) ? "true" : "false"),
        };
        if (verdict.Pause is { } paused)
        {
            properties.Add(new("pauseReason", paused.Reason));
            properties.Add(new("pausedSince", RevisionHistoryAnnotation.FormatTime(paused.Since)));
            properties.Add(new("pauseLimitSeconds", I(paused.LimitSeconds)));
        }

        if (verdict.ProgressSince is { } since)
        {
            properties.Add(new("progressSince", RevisionHistoryAnnotation.FormatTime(since)));
        }

        if (verdict.DueAt is { } due)
        {
            properties.Add(new("dueAt", RevisionHistoryAnnotation.FormatTime(due)));
        }

        if ((verdict.Revision ?? rollout.ArgoRevision) is { } revision)
        {
            properties.Add(new("revision", revision.ToString(CultureInfo.InvariantCulture)));
        }

        var exceeded = verdict.Kind == VerdictKind.Exceeded;
        var action = !exceeded ? string.Empty
            : verdict.Abort ? "; the reconciler aborts it (status.abort=true) unless it runs in dry run"
            : pause ? "; the policy's pauses.abort is false: the reconciler reports it (Event) and does not abort"
            : "; progressDeadlineAbort is not true: the reconciler reports it (Event) and does not abort";
        return new ReportResult(EnforcementPolicy, pause ? PauseLimitEnforced : DeadlineEnforced, exceeded ? ReportOutcome.Fail : ReportOutcome.Pass, verdict.Reason + action, "high", Scored: true, properties);
    }

    private static ReportResult Result(string policy, string rule, ReportOutcome outcome, string message, string severity) =>
        new(policy, rule, outcome, message, severity, Scored: outcome != ReportOutcome.Warn, NoProperties);

    private static string I(int value) => value.ToString(CultureInfo.InvariantCulture);
}

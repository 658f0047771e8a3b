using DeadlineGuard.Policy;

namespace DeadlineGuard.Export;

/// <summary>The comment at the top of an export: what it is, what it needs, and what it cannot do.</summary>
public static class ExportHeader
{
    public static IReadOnlyList<string> Lines(DeadlinePolicy policy, ExportOptions options, bool mutatingWritten)
    {
        var lines = new List<string>
        {
            $"Rollout Deadline Guard: the DeadlinePolicy of {options.PolicySource} as Kubernetes admission policies,",
            "written by `webhook export-policy`. The API server enforces them itself: no webhook, certificate or Deployment.",
            string.Empty,
            "Needs:",
        };
        if (options.Format != ExportFormat.Map)
        {
            lines.Add("  ValidatingAdmissionPolicy admissionregistration.k8s.io/v1: Kubernetes 1.30 or later.");
        }

        if (options.Format != ExportFormat.Vap)
        {
            lines.Add(options.MutatingVersion == MutatingPolicyVersion.V1
                ? "  MutatingAdmissionPolicy admissionregistration.k8s.io/v1: Kubernetes 1.36 or later."
                : "  MutatingAdmissionPolicy admissionregistration.k8s.io/v1beta1: Kubernetes 1.34 or 1.35 with the kube-apiserver flags "
                  + "--feature-gates=MutatingAdmissionPolicy=true --runtime-config=admissionregistration.k8s.io/v1beta1=true.");
            if (!mutatingWritten)
            {
                lines.Add("  (No MutatingAdmissionPolicy: injection is off in every namespace.)");
            }
        }

        if (options.Format == ExportFormat.Vap)
        {
            lines.Add("  Without the MutatingAdmissionPolicy nothing injects missing fields: a Rollout lacking them is judged as it is.");
        }

        lines.AddRange([
            string.Empty,
            "What this export cannot do (the webhook and its reconciler do):",
            $"  - no revision history: nothing is written to deadline-guard.io/revision-history (spec.history.limit {policy.History.Limit} is not used);",
            "  - no reconciler: nothing aborts a revision that Argo Rollouts leaves Progressing past its deadline (argo-rollouts#3988);",
            "  - no pitfall warnings (DG101-DG105: abortScaleDownDelaySeconds, readiness probes, start-up budgets, pauses, traffic routing)"
            + (policy.Pitfalls.Ignore.Count == 0 ? ";" : $", so spec.pitfalls.ignore ({string.Join(", ", policy.Pitfalls.Ignore)}) is not used;"),
            "  - no pause limit: an indefinite pause is never limited" + PauseLimitNote(policy),
            "  - no metrics and no decision log: Warn shows as API-server warnings prefixed \"Validation failed for",
            "    ValidatingAdmissionPolicy ...\", Audit as audit-log annotations; a policy change is a new export, not a reload.",
            string.Empty,
            $"Skips requests of {options.ControllerServiceAccount} (as the chart does) and the namespaces "
            + (options.ExcludedNamespaces.Count == 0 ? "of no name" : string.Join(", ", options.ExcludedNamespaces))
            + (options.OptOutLabel.Length == 0 ? "." : $" and those labelled {options.OptOutLabel}=true."),
            "Remove with: kubectl delete validatingadmissionpolicies,validatingadmissionpolicybindings,mutatingadmissionpolicies,"
            + $"mutatingadmissionpolicybindings -l {AdmissionObjects.ManagedByLabel}={AdmissionObjects.ManagedBy}",
        ]);
        return lines;
    }

    /// <summary>The pause limits the policy sets, which nothing enforces once exported.</summary>
    private static string PauseLimitNote(DeadlinePolicy policy)
    {
        var limits = new List<string>();
        if (policy.Pauses.MaxSeconds > 0)
        {
            limits.Add($"spec.pauses.maxSeconds {policy.Pauses.MaxSeconds}");
        }

        for (var i = 0; i < policy.Overrides.Count; i++)
        {
            if (policy.Overrides[i].PauseMaxSeconds is { } seconds && seconds > 0)
            {
                limits.Add($"spec.overrides[{i}].pauses.maxSeconds {seconds}");
            }
        }

        return limits.Count == 0 ? ";" : $" ({string.Join(", ", limits)} not enforced);";
    }
}

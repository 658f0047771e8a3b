namespace DeadlineGuard.Export;

/// <summary>How the policy is exported: which objects, in which version, under which names, skipping whom.</summary>
public sealed record ExportOptions
{
    /// <summary>The chart's default for argoRollouts.controllerServiceAccount.</summary>
    public const string DefaultControllerServiceAccount = "system:serviceaccount:argo-rollouts:argo-rollouts";

    public const string DefaultNamePrefix = "rollout-deadline-guard";

    /// <summary>The chart's webhook.namespaceSelector.optOutLabel.</summary>
    public const string DefaultOptOutLabel = "deadline-guard.io/ignore";

    /// <summary>The namespaces the chart always keeps from its webhooks (kube-system) and its default excludeNamespaces.</summary>
    public static IReadOnlyList<string> DefaultExcludedNamespaces { get; } = ["kube-system", "kube-node-lease"];

    public ExportFormat Format { get; init; } = ExportFormat.All;

    public MutatingPolicyVersion MutatingVersion { get; init; } = MutatingPolicyVersion.V1;

    /// <summary>Start of every object's name: PREFIX-deny, PREFIX-warn, PREFIX-audit, PREFIX-exemptions, PREFIX-inject.</summary>
    public string NamePrefix { get; init; } = DefaultNamePrefix;

    /// <summary>The Argo Rollouts controller's user name (request.userInfo.username), skipped as the chart skips it.</summary>
    public string ControllerServiceAccount { get; init; } = DefaultControllerServiceAccount;

    /// <summary>Namespaces no policy sees (by the kubernetes.io/metadata.name label), as the chart's namespaceSelector.</summary>
    public IReadOnlyList<string> ExcludedNamespaces { get; init; } = DefaultExcludedNamespaces;

    /// <summary>Namespaces labelled KEY=true are not seen; empty for no opt-out label.</summary>
    public string OptOutLabel { get; init; } = DefaultOptOutLabel;

    /// <summary>What the header names as the policy's source (a file name, or "the built-in policy").</summary>
    public string PolicySource { get; init; } = "the built-in policy";
}

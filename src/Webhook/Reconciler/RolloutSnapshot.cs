namespace DeadlineGuard.Reconciler;

/// <summary>
/// What the reconciler keeps of one Rollout: only what the judge, its Event and the actions read, decoded once from
/// the API server's bytes by <see cref="RolloutDecoder"/>. Nothing of the object's text is kept (no managedFields, no
/// last-applied-configuration, no template: the template is reduced to its fingerprint at decode, the history to the
/// one entry of the current revision), and the texts that repeat across Rollouts are shared through a
/// <see cref="StringPool"/>: a few hundred bytes per Rollout, whatever the object's size. Immutable.
/// </summary>
public sealed record RolloutSnapshot
{
    private static readonly CanaryStep[] NoSteps = [];
    private static readonly PauseCondition[] NoPauses = [];

    // Identity (metadata).
    public required string Namespace { get; init; }

    public required string Name { get; init; }

    public string Uid { get; init; } = string.Empty;

    /// <summary>metadata.generation; 0 when absent or not a whole number.</summary>
    public long Generation { get; init; }

    public DateTimeOffset? CreationTimestamp { get; init; }

    public string ResourceVersion { get; init; } = string.Empty;

    // Annotations.

    /// <summary>Argo's <c>rollout.argoproj.io/revision</c>, when a whole number.</summary>
    public int? ArgoRevision { get; init; }

    /// <summary>The policy's exemption annotation key this snapshot was decoded with (the policy can change it at run time).</summary>
    public string? ExemptionKey { get; init; }

    /// <summary>The value of that annotation when it is a string; null when absent or not a string.</summary>
    public string? ExemptionValue { get; init; }

    public HistoryState History { get; init; }

    /// <summary>The history entry of the revision the Rollout runs now (<see cref="HistoryState.Matched"/>).</summary>
    public RecordedRevision? Revision { get; init; }

    /// <summary>The fingerprint of spec.template (or workloadRef and its generation), as the webhook computes it (DESIGN.md §4).</summary>
    public ulong Fingerprint { get; init; }

    // Spec.
    public int? SpecDeadlineSeconds { get; init; }

    public bool SpecAbort { get; init; }

    public bool SpecPaused { get; init; }

    public RolloutStrategy Strategy { get; init; }

    /// <summary>spec.strategy.blueGreen.autoPromotionSeconds.</summary>
    public int? AutoPromotionSeconds { get; init; }

    /// <summary>spec.strategy.blueGreen.autoPromotionEnabled when set (Argo's default, when unset, is true).</summary>
    public bool? AutoPromotionEnabled { get; init; }

    /// <summary>spec.strategy.canary.steps (arrays with the same steps are shared between snapshots).</summary>
    public IReadOnlyList<CanaryStep> CanarySteps { get; init; } = NoSteps;

    /// <summary>spec.strategy.canary.trafficRouting is set.</summary>
    public bool TrafficRouting { get; init; }

    /// <summary>spec.selector.matchLabels as a label selector ("k=v,k2=v2"), kept only when the repair needs it.</summary>
    public string? Selector { get; init; }

    // Status.
    public bool StatusAbort { get; init; }

    public string? Phase { get; init; }

    /// <summary>status.observedGeneration as text (Argo writes it as a string); null when absent or of another kind.</summary>
    public string? ObservedGeneration { get; init; }

    public int? CurrentStepIndex { get; init; }

    public string? CurrentPodHash { get; init; }

    public string? StableRs { get; init; }

    /// <summary>The first condition of type Progressing.</summary>
    public RolloutCondition? Progressing { get; init; }

    /// <summary>The first condition of type Paused.</summary>
    public RolloutCondition? Paused { get; init; }

    public IReadOnlyList<PauseCondition> PauseConditions { get; init; } = NoPauses;

    // For the policy reports and the status command (what review's rules and the pitfall detector read).

    /// <summary>spec.minReadySeconds when a whole number; null when absent or of another kind.</summary>
    public int? MinReadySeconds { get; init; }

    /// <summary>
    /// spec.progressDeadlineSeconds described as the webhook describes a value (<c>"60" (a string)</c>, <c>null</c>, <c>6.5</c>)
    /// when it is present but not a whole number (then <see cref="SpecDeadlineSeconds"/> is null); null otherwise.
    /// </summary>
    public string? SpecDeadlineFound { get; init; }

    /// <summary>spec.progressDeadlineAbort described when present and not <c>true</c> (<c>false</c>, <c>null</c>, <c>"true" (a string)</c>); null otherwise.</summary>
    public string? SpecAbortFound { get; init; }

    /// <summary>The pitfalls (docs/pitfalls.md) found in the object at decode, when the decoder was asked to look (<see cref="PitfallSet.Judged"/>).</summary>
    public PitfallSet Pitfalls { get; init; }

    /// <summary>Fields the pause limit reads that held a value of the wrong type.</summary>
    public WrongTypedFields WrongTyped { get; init; }

    /// <summary>
    /// Why this snapshot cannot be relied on (a key the decoder reads appears twice in one object), or null. The
    /// judge leaves such a Rollout alone and says why.
    /// </summary>
    public string? Unreadable { get; init; }

    public RolloutKey Key => new(Namespace, Name);

    public bool IsCanary => Strategy == RolloutStrategy.Canary;
}

using DeadlineGuard.Pitfalls;

namespace DeadlineGuard.Admission;

/// <summary>
/// Which Rollouts the companion reconciler watches, and so what the pitfall detector is told about one of them:
/// whether the pitfalls the reconciler covers (DG101, DG105) are suppressed, and which pause limit is in force
/// (only the reconciler enforces one, so none where it does not watch).
/// </summary>
/// <param name="Presence">Whether a reconciler runs, as far as the webhook knows.</param>
/// <param name="Namespaces">The namespaces it watches when running; empty means all.</param>
public sealed record ReconcilerCoverage(ReconcilerPresence Presence, IReadOnlyList<string> Namespaces)
{
    /// <summary>No reconciler: a webhook started without being told (<c>dotnet run</c>, a chart without it).</summary>
    public static ReconcilerCoverage Absent { get; } = new(ReconcilerPresence.Absent, []);

    /// <summary>The offline <c>review</c>: every pitfall is reported, the policy's pause limit is taken as in force.</summary>
    public static ReconcilerCoverage Unknown { get; } = new(ReconcilerPresence.Unknown, []);

    public static ReconcilerCoverage From(PitfallSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return settings.ReconcilerRunning ? new ReconcilerCoverage(ReconcilerPresence.Running, [.. settings.ReconcilerNamespaces]) : Absent;
    }

    /// <summary>Whether the reconciler watches Rollouts in <paramref name="namespace"/>.</summary>
    public bool Covers(string @namespace) =>
        Presence == ReconcilerPresence.Running && (Namespaces.Count == 0 || Namespaces.Contains(@namespace, StringComparer.Ordinal));

    /// <summary>The detector's context for a Rollout in <paramref name="namespace"/>.</summary>
    /// <param name="namespace">The Rollout's namespace.</param>
    /// <param name="policyPauseLimitSeconds">The policy's <c>pauses.maxSeconds</c> there (0: none).</param>
    /// <param name="deadlineSeconds">The deadline in force after injection; null to read the Rollout's own.</param>
    /// <param name="ignoredIds">The policy's <c>pitfalls.ignore</c>.</param>
    public PitfallContext Context(string @namespace, int policyPauseLimitSeconds, int? deadlineSeconds, IReadOnlyCollection<string> ignoredIds)
    {
        var covers = Covers(@namespace);
        var pauseLimit = covers || Presence == ReconcilerPresence.Unknown ? policyPauseLimitSeconds : 0;
        return new PitfallContext(deadlineSeconds, pauseLimit, covers, ignoredIds);
    }
}

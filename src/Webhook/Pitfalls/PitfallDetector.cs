using System.Text.Json;

namespace DeadlineGuard.Pitfalls;

/// <summary>
/// Finds the catalogued pitfalls (docs/pitfalls.md) in one Rollout, as a manifest or the API server gives it.
/// Pure: no I/O, no clock; never throws on any JSON input.
/// </summary>
public static class PitfallDetector
{
    /// <summary>Annotation listing pitfall ids to ignore for one Rollout, comma-separated (<c>DG102, DG104</c>).</summary>
    public const string IgnoreAnnotation = RolloutView.IgnoreAnnotationKey;

    public static PitfallReport Detect(JsonElement rollout, PitfallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var view = RolloutView.From(rollout);
        if (!view.IsObject)
        {
            return new PitfallReport([], [], [$"not a Rollout object ({JsonRead.Describe(rollout.ValueKind == JsonValueKind.Undefined ? null : rollout)}): nothing judged"]);
        }

        return Detect(view, context);
    }

    /// <summary>
    /// <see cref="Detect(JsonElement, PitfallContext)"/> of a Rollout object given by the only parts the checks read:
    /// its <c>spec</c> and the value of its <see cref="IgnoreAnnotation"/> annotation (each undefined or null when
    /// absent). Admission uses it to parse those parts alone rather than the whole object.
    /// </summary>
    public static PitfallReport Detect(JsonElement? spec, JsonElement? ignoreAnnotation, PitfallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return Detect(RolloutView.FromParts(spec, ignoreAnnotation), context);
    }

    private static PitfallReport Detect(RolloutView view, PitfallContext context)
    {
        // Admission runs this on every /validate: no LINQ, and nothing allocated for what is not there.
        var notes = new List<string>();
        var (annotationIds, unknown) = ReadIgnoreAnnotation(view.IgnoreAnnotation, notes);
        var found = new List<PitfallFinding>(4);
        Add(found, PitfallChecks.UnknownIgnoredIds(unknown));
        Add(found, PitfallChecks.StaleScaleDownDeadline(view));
        if (view.Containers is { } containers)
        {
            Add(found, PitfallChecks.NoReadinessProbe(containers));
            Add(found, PitfallChecks.DeadlineShorterThanStartup(view, containers, context, notes));
        }
        else
        {
            notes.Add(view.WorkloadRef is { } workload
                ? $"the pod template is in {PitfallText.Clip(workload, 120)} (spec.workloadRef), not in this manifest: {PitfallCatalog.NoReadinessProbe} and {PitfallCatalog.DeadlineShorterThanStartup} were not judged"
                : $"spec.template.spec.containers is not a list: {PitfallCatalog.NoReadinessProbe} and {PitfallCatalog.DeadlineShorterThanStartup} were not judged");
        }

        Add(found, PitfallChecks.IndefinitePause(view, context));
        Add(found, PitfallChecks.TrafficRoutingSkipsDeadline(view));
        if (found.Count > 1)
        {
            found.Sort(static (a, b) => a.Severity != b.Severity ? b.Severity.CompareTo(a.Severity) : string.CompareOrdinal(a.Id, b.Id));
        }

        var policyIds = PolicyIds(context.IgnoredIds);
        List<PitfallFinding>? reported = null;
        List<SuppressedPitfall>? suppressed = null;
        for (var i = 0; i < found.Count; i++)
        {
            var finding = found[i];
            SuppressionReason? reason =
                policyIds?.Contains(finding.Id) == true ? SuppressionReason.IgnoredByPolicy
                : annotationIds?.Contains(finding.Id) == true ? SuppressionReason.IgnoredByAnnotation
                : context.ReconcilerCovers && PitfallCatalog.Get(finding.Id).CoveredByReconciler ? SuppressionReason.CoveredByReconciler
                : null;
            if (reason is { } r)
            {
                // From the first suppressed finding on, the reported ones go to a list of their own.
                reported ??= found.GetRange(0, i);
                (suppressed ??= []).Add(new SuppressedPitfall(finding, r));
            }
            else
            {
                reported?.Add(finding);
            }
        }

        return new PitfallReport(reported ?? found, suppressed ?? [], notes);
    }

    private static void Add(List<PitfallFinding> found, PitfallFinding? finding)
    {
        if (finding is not null)
        {
            found.Add(finding);
        }
    }

    /// <summary>The catalog ids of the policy's ignore list (kept as written); null when it is empty.</summary>
    private static HashSet<string>? PolicyIds(IReadOnlyCollection<string> ignored)
    {
        if (ignored.Count == 0)
        {
            return null;
        }

        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in ignored)
        {
            if (PitfallCatalog.Find(entry) is { } definition)
            {
                ids.Add(definition.Id);
            }
        }

        return ids;
    }

    /// <summary>
    /// The catalogued ids the annotation lists, and the entries that are not ids. Entries are separated by commas;
    /// spaces around them and empty entries are ignored; case does not matter.
    /// </summary>
    private static (HashSet<string>? Known, IReadOnlyList<string> Unknown) ReadIgnoreAnnotation(JsonElement? annotation, List<string> notes)
    {
        if (JsonRead.IsAbsent(annotation))
        {
            return (null, []);
        }

        if (JsonRead.String(annotation) is not { } text)
        {
            notes.Add($"annotation {IgnoreAnnotation} is {JsonRead.Describe(annotation)}, not a string: nothing ignored by it");
            return (null, []);
        }

        var known = new HashSet<string>(StringComparer.Ordinal);
        var unknown = new List<string>();

        foreach (var entry in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (PitfallCatalog.Find(entry) is { } definition)
            {
                known.Add(definition.Id);
            }
            else if (!unknown.Contains(entry, StringComparer.OrdinalIgnoreCase))
            {
                unknown.Add(entry);
            }
        }

        return (known, unknown);
    }
}

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

        var notes = new List<string>();
        var (annotationIds, unknown) = ReadIgnoreAnnotation(view.IgnoreAnnotation, notes);
        var found = new List<PitfallFinding?>
        {
            PitfallChecks.UnknownIgnoredIds(unknown),
            PitfallChecks.StaleScaleDownDeadline(view),
        };

        if (view.Containers is { } containers)
        {
            found.Add(PitfallChecks.NoReadinessProbe(containers));
            found.Add(PitfallChecks.DeadlineShorterThanStartup(view, containers, context, notes));
        }
        else
        {
            notes.Add(view.WorkloadRef is { } workload
                ? $"the pod template is in {PitfallText.Clip(workload, 120)} (spec.workloadRef), not in this manifest: {PitfallCatalog.NoReadinessProbe} and {PitfallCatalog.DeadlineShorterThanStartup} were not judged"
                : $"spec.template.spec.containers is not a list: {PitfallCatalog.NoReadinessProbe} and {PitfallCatalog.DeadlineShorterThanStartup} were not judged");
        }

        found.Add(PitfallChecks.IndefinitePause(view, context));
        found.Add(PitfallChecks.TrafficRoutingSkipsDeadline(view));

        var policyIds = context.IgnoredIds.Select(PitfallCatalog.Find).OfType<PitfallDefinition>().Select(d => d.Id).ToHashSet(StringComparer.Ordinal);
        var reported = new List<PitfallFinding>();
        var suppressed = new List<SuppressedPitfall>();
        foreach (var finding in found.OfType<PitfallFinding>().OrderByDescending(f => f.Severity).ThenBy(f => f.Id, StringComparer.Ordinal))
        {
            SuppressionReason? reason =
                policyIds.Contains(finding.Id) ? SuppressionReason.IgnoredByPolicy
                : annotationIds.Contains(finding.Id) ? SuppressionReason.IgnoredByAnnotation
                : context.ReconcilerCovers && PitfallCatalog.Get(finding.Id).CoveredByReconciler ? SuppressionReason.CoveredByReconciler
                : null;
            if (reason is { } r)
            {
                suppressed.Add(new SuppressedPitfall(finding, r));
            }
            else
            {
                reported.Add(finding);
            }
        }

        return new PitfallReport(reported, suppressed, notes);
    }

    /// <summary>
    /// The catalogued ids the annotation lists, and the entries that are not ids. Entries are separated by commas;
    /// spaces around them and empty entries are ignored; case does not matter.
    /// </summary>
    private static (HashSet<string> Known, List<string> Unknown) ReadIgnoreAnnotation(JsonElement? annotation, List<string> notes)
    {
        var known = new HashSet<string>(StringComparer.Ordinal);
        var unknown = new List<string>();
        if (JsonRead.IsAbsent(annotation))
        {
            return (known, unknown);
        }

        if (JsonRead.String(annotation) is not { } text)
        {
            notes.Add($"annotation {IgnoreAnnotation} is {JsonRead.Describe(annotation)}, not a string: nothing ignored by it");
            return (known, unknown);
        }

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

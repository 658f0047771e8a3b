namespace DeadlineGuard.Tests.Export;

/// <summary>
/// A namespace the equivalence tests try, with its labels. <see cref="SeenByChart"/> is false where the chart's
/// namespaceSelector keeps the webhooks away (kube-system, kube-node-lease, the opt-out label): there the webhook
/// is never called, and the export must leave the Rollout alone as well.
/// </summary>
public sealed record EquivalenceNamespace(string Name, string Why, bool SeenByChart = true, string? OptOutLabel = null)
{
    public IReadOnlyDictionary<string, string> Labels
    {
        get
        {
            var labels = new Dictionary<string, string> { ["kubernetes.io/metadata.name"] = Name };
            if (OptOutLabel is not null)
            {
                labels[OptOutLabel] = "true";
            }

            return labels;
        }
    }
}

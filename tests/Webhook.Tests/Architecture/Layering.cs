namespace DeadlineGuard.Tests.Architecture;

/// <summary>
/// The folders of src/Webhook, bottom to top, and which others each may use. Everything not listed is forbidden.
/// Leaves (Json ← Pitfalls ← Observability) and building blocks (Configuration, Files, ClusterAccess, Leadership) know no
/// concern; Policy ← History ← Admission; the Reconciler uses Policy and History, never Admission; Export uses
/// Policy only; Tls uses no concern folder; Hosting wires everything but the command line; Cli sits on top.
/// </summary>
public static class Layering
{
    public const string Root = "DeadlineGuard";

    private static readonly string[] Leaves = ["Json", "Pitfalls", "Observability"];
    private static readonly string[] BuildingBlocks = ["Configuration", "Files", "ClusterAccess", "Leadership"];

    public static IReadOnlyDictionary<string, string[]> MayUse { get; } = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        // leaves
        ["Json"] = [],
        ["Pitfalls"] = ["Json"],
        ["Observability"] = ["Json", "Pitfalls"], // a series per catalogued pitfall id, made at start

        // building blocks
        ["Configuration"] = [],
        ["Leadership"] = [],
        ["Files"] = ["Json", "Observability"],
        ["ClusterAccess"] = ["Json", "Observability", "Configuration"],

        // concerns
        ["Policy"] = [.. Leaves, .. BuildingBlocks],
        ["History"] = ["Policy", .. Leaves, .. BuildingBlocks],
        ["Admission"] = ["History", "Policy", .. Leaves, .. BuildingBlocks],
        ["Reconciler"] = ["History", "Policy", .. Leaves, .. BuildingBlocks],
        ["Export"] = ["Policy"],
        ["Tls"] = ["Json", "Observability", .. BuildingBlocks],

        // top
        ["Hosting"] = ["Admission", "Reconciler", "Export", "Tls", "History", "Policy", .. Leaves, .. BuildingBlocks],
        ["Cli"] = ["Hosting", "Admission", "Reconciler", "Export", "Tls", "History", "Policy", .. Leaves, .. BuildingBlocks],
    };

    public static string Namespace(string folder) => $"{Root}.{folder}";

    /// <summary>Every ordered pair of distinct folders the table does not allow.</summary>
    public static IEnumerable<(string From, string To)> ForbiddenEdges() =>
        from source in MayUse
        from target in MayUse.Keys
        where target != source.Key && !source.Value.Contains(target)
        orderby source.Key, target
        select (source.Key, target);
}

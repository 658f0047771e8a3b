using System.Text.Json.Nodes;
using DeadlineGuard.Export;

namespace DeadlineGuard.Tests.Export;

/// <summary>
/// Requests from the Argo Rollouts controller and from others, with whether the chart's webhook configurations
/// call each webhook for them (the same table tests/cel/match-conditions.mjs checks against the rendered chart):
/// the validating webhook never for the controller, the mutating one only when its update changes the
/// workload-generation annotation. The Rollout lacks both deadline fields, in a namespace where the policy denies.
/// </summary>
public sealed record ControllerRow(string Name, string User, string Operation, string? OldGeneration, string? NewGeneration, bool MutatingCalled, bool ValidatingCalled)
{
    public const string Namespace = "default";

    private const string Controller = ExportOptions.DefaultControllerServiceAccount;

    public static IReadOnlyList<ControllerRow> All { get; } =
    [
        new("a user creates", "alice@example.com", "CREATE", null, null, true, true),
        new("a user updates", "alice@example.com", "UPDATE", "3", "3", true, true),
        new("another service account updates", "system:serviceaccount:argo-rollouts:other", "UPDATE", null, null, true, true),
        new("the controller creates", Controller, "CREATE", null, null, true, false),
        new("the controller updates, no generation on either side", Controller, "UPDATE", null, null, false, false),
        new("the controller updates, generation unchanged", Controller, "UPDATE", "3", "3", false, false),
        new("the controller updates, generation changed", Controller, "UPDATE", "3", "4", true, false),
        new("the controller adds the generation", Controller, "UPDATE", null, "1", true, false),
    ];

    public string Id => "controller: " + Name;

    public JsonObject Object => Rollout(NewGeneration);

    public JsonObject? OldObject => Operation == "UPDATE" ? Rollout(OldGeneration) : null;

    public CelCase Case() => new(Id, Namespace, new Dictionary<string, string> { ["kubernetes.io/metadata.name"] = Namespace }, Operation, User, Object, OldObject);

    private static JsonObject Rollout(string? generation)
    {
        var rollout = ExportEquivalenceFixture.InNamespace(EquivalenceRows.Spec(string.Empty), Namespace);
        if (generation is not null)
        {
            rollout["metadata"]!["annotations"] = new JsonObject { [AdmissionObjects.WorkloadGenerationAnnotation] = generation };
        }

        return rollout;
    }
}

using System.Globalization;
using System.Text.Json.Nodes;

namespace DeadlineGuard.Tests.Chart;

/// <summary>One object of `helm template` output, with the template it came from (the "# Source:" line helm writes).</summary>
public sealed record RenderedObject(string Source, JsonObject Body)
{
    public string ApiVersion => Body["apiVersion"]!.GetValue<string>();

    public string Kind => Body["kind"]!.GetValue<string>();

    public string Name => Body["metadata"]!["name"]!.GetValue<string>();

    public string? Namespace => Body["metadata"]?["namespace"]?.GetValue<string>();

    /// <summary>The template's file name under templates/, e.g. "job-certs.yaml" or "tests/pod-validate.yaml".</summary>
    public string Template => Source[(Source.IndexOf("/templates/", StringComparison.Ordinal) + "/templates/".Length)..];

    public JsonObject Annotations => Body["metadata"]?["annotations"] as JsonObject ?? [];

    public JsonObject Labels => Body["metadata"]?["labels"] as JsonObject ?? [];

    /// <summary>The helm.sh/hook events, lower-case and trimmed as Helm reads them; empty for a release object.</summary>
    public IReadOnlyList<string> HookEvents => Annotation("helm.sh/hook") is { } hooks
        ? hooks.Split(',').Select(h => h.Trim().ToLowerInvariant()).ToList()
        : [];

    public bool IsHook => HookEvents.Count > 0;

    /// <summary>helm.sh/hook-weight; 0 when absent or not a number, as Helm's calculateHookWeight does.</summary>
    public int HookWeight => int.TryParse(Annotation("helm.sh/hook-weight"), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var weight) ? weight : 0;

    /// <summary>helm.sh/hook-delete-policy; before-hook-creation when absent, as Helm's hookSetDeletePolicy does.</summary>
    public IReadOnlyList<string> HookDeletePolicies => Annotation("helm.sh/hook-delete-policy") is { } policies
        ? policies.Split(',').Select(p => p.Trim().ToLowerInvariant()).ToList()
        : ["before-hook-creation"];

    /// <summary>The pod spec of a Pod, or of a Deployment's or Job's template; null for other kinds.</summary>
    public JsonObject? PodSpec => Kind switch
    {
        "Pod" => Body["spec"] as JsonObject,
        "Deployment" or "Job" or "StatefulSet" or "DaemonSet" => Body["spec"]?["template"]?["spec"] as JsonObject,
        _ => null,
    };

    public IReadOnlyList<JsonObject> Containers => PodSpec?["containers"]?.AsArray().Select(c => c!.AsObject()).ToList() ?? [];

    /// <summary>The one container of a single-container pod.</summary>
    public JsonObject Container => Containers.Count == 1 ? Containers[0] : throw new InvalidOperationException($"{this} has {Containers.Count} containers");

    /// <summary>The first argument of the one container: the subcommand ("serve", "certs", "delete"); null without args.</summary>
    public string? Command => Args.Count > 0 ? Args[0] : null;

    public IReadOnlyList<string> Args => Container["args"]?.AsArray().Select(a => a!.GetValue<string>()).ToList() ?? [];

    public string? Annotation(string name) => Annotations[name]?.GetValue<string>();

    public override string ToString() => $"{Kind} {(Namespace is null ? string.Empty : Namespace + "/")}{Name} ({Template})";
}

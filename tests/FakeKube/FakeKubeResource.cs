using System.Text.Json.Nodes;

namespace DeadlineGuard.Tests.Support.FakeKube;

/// <summary>
/// One entry of the fake API server's route table: a resource type served under
/// <c>/apis/{group}/{version}/[namespaces/{ns}/]{plural}</c> (or <c>/api/v1/...</c> for the core group).
/// <see cref="HasStatus"/> turns on the <c>status</c> subresource, with the real split: writes to the main
/// resource keep the stored status, writes to <c>/status</c> change only the status.
/// </summary>
public sealed record FakeKubeResource(string Group, string Version, string Plural, string Kind, bool Namespaced, bool HasStatus = false)
{
    public static FakeKubeResource Rollouts { get; } = new("argoproj.io", "v1alpha1", "rollouts", "Rollout", Namespaced: true, HasStatus: true);

    public static FakeKubeResource ReplicaSets { get; } = new("apps", "v1", "replicasets", "ReplicaSet", Namespaced: true, HasStatus: true);

    public static FakeKubeResource Events { get; } = new("events.k8s.io", "v1", "events", "Event", Namespaced: true);

    public static FakeKubeResource Leases { get; } = new("coordination.k8s.io", "v1", "leases", "Lease", Namespaced: true);

    public static FakeKubeResource Secrets { get; } = new(string.Empty, "v1", "secrets", "Secret", Namespaced: true);

    public static FakeKubeResource MutatingWebhookConfigurations { get; } =
        new("admissionregistration.k8s.io", "v1", "mutatingwebhookconfigurations", "MutatingWebhookConfiguration", Namespaced: false);

    public static FakeKubeResource ValidatingWebhookConfigurations { get; } =
        new("admissionregistration.k8s.io", "v1", "validatingwebhookconfigurations", "ValidatingWebhookConfiguration", Namespaced: false);

    /// <summary>The types every fake server serves from the start; <see cref="FakeKubeApiServer.Register"/> adds more.</summary>
    public static IReadOnlyList<FakeKubeResource> Defaults { get; } =
        [Rollouts, ReplicaSets, Events, Leases, Secrets, MutatingWebhookConfigurations, ValidatingWebhookConfigurations];

    /// <summary>
    /// The type's schema check, as the API server validates a custom resource against its CRD's OpenAPI schema before
    /// storing it (k8s.io/apiextensions-apiserver, customresource validation): the problems found, each as the API
    /// server words a field error ("results[0].result: Unsupported value: ..."); a create or update with any is refused
    /// with 422 Invalid. Null: anything goes.
    /// </summary>
    public Func<JsonObject, IReadOnlyList<string>>? Validate { get; init; }

    /// <summary>"v1" for the core group, else "group/version".</summary>
    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    public string ListKind => Kind + "List";

    /// <summary>A custom resource (not a built-in group): the API server refuses strategic merge patches for these.</summary>
    public bool IsCustom => Group.Contains('.', StringComparison.Ordinal) && !Group.EndsWith(".k8s.io", StringComparison.Ordinal);

    /// <summary>"plural.group" as the API server names it in messages ("rollouts.argoproj.io", "secrets").</summary>
    public string GroupResource => Group.Length == 0 ? Plural : $"{Plural}.{Group}";

    /// <summary>
    /// True when <paramref name="name"/> names this type: the plural, the kind, "plural.group" or "group/Kind"
    /// (case-insensitive), e.g. "rollouts", "Rollout", "rollouts.argoproj.io", "argoproj.io/Rollout".
    /// </summary>
    public bool IsNamed(string name) =>
        name.Equals(Plural, StringComparison.OrdinalIgnoreCase)
        || name.Equals(Kind, StringComparison.OrdinalIgnoreCase)
        || name.Equals(GroupResource, StringComparison.OrdinalIgnoreCase)
        || name.Equals($"{Group}/{Kind}", StringComparison.OrdinalIgnoreCase);
}

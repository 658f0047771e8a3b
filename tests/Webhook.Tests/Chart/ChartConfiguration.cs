using System.Text;
using System.Text.Json.Nodes;
using DeadlineGuard.Tls;

namespace DeadlineGuard.Tests.Chart;

/// <summary>
/// One way of installing the chart: a release name, a namespace and the values given on top of values.yaml. The tests
/// render each of <see cref="All"/> once with the real helm (<see cref="RenderedChart.Of"/>) and assert on the objects.
/// </summary>
public sealed record ChartConfiguration(string Name, string Release, string Namespace, JsonObject Values)
{
    public const string DefaultRelease = "deadline-guard";
    public const string DefaultNamespace = "deadline-guard";

    /// <summary>The longest names the tests install with: release and namespace as a platform team would name them.</summary>
    public const string LongRelease = "deadline-guard-staging-eu-west";

    public const string LongNamespace = "platform-deadline-guard-production";

    /// <summary>A real CA, base64 PEM, for existingSecret mode.</summary>
    public static string ExistingCaBundle { get; } = Convert.ToBase64String(Encoding.ASCII.GetBytes(
        CertificateAuthority.CreateCa(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), 3650).CertificatePem));

    private static JsonObject SelfManagedValues() => [];

    private static JsonObject CertManagerValues() => new() { ["certificates"] = new JsonObject { ["mode"] = "certManager" } };

    private static JsonObject ExistingSecretValues() => new()
    {
        ["certificates"] = new JsonObject
        {
            ["mode"] = "existingSecret",
            ["existingSecret"] = new JsonObject { ["name"] = "deadline-guard-tls", ["caBundle"] = ExistingCaBundle },
        },
    };

    /// <summary>The default install: selfManaged certificates, everything else as values.yaml has it.</summary>
    public static ChartConfiguration SelfManaged { get; } = new("selfManaged", DefaultRelease, DefaultNamespace, SelfManagedValues());

    public static ChartConfiguration CertManager { get; } = new("certManager", DefaultRelease, DefaultNamespace, CertManagerValues());

    public static ChartConfiguration ExistingSecret { get; } = new("existingSecret", DefaultRelease, DefaultNamespace, ExistingSecretValues());

    public static ChartConfiguration LongSelfManaged { get; } = new("long-selfManaged", LongRelease, LongNamespace, SelfManagedValues());

    public static ChartConfiguration LongCertManager { get; } = new("long-certManager", LongRelease, LongNamespace, CertManagerValues());

    public static ChartConfiguration LongExistingSecret { get; } = new("long-existingSecret", LongRelease, LongNamespace, ExistingSecretValues());

    /// <summary>selfManaged with every optional feature on and the values a cautious platform team changes.</summary>
    public static ChartConfiguration Everything { get; } = new("everything", "guard", "platform", new JsonObject
    {
        ["image"] = new JsonObject { ["repository"] = "registry.example.com/rollout-deadline-guard", ["digest"] = "sha256:" + new string('a', 64) },
        ["imagePullSecrets"] = new JsonArray(new JsonObject { ["name"] = "registry" }),
        ["commonLabels"] = new JsonObject { ["team"] = "platform" },
        ["webhook"] = new JsonObject
        {
            ["failurePolicy"] = "Ignore",
            ["timeoutSeconds"] = 3,
            ["namespaceSelector"] = new JsonObject { ["excludeNamespaces"] = new JsonArray("legacy", "monitoring"), ["optOutLabel"] = "example.com/no-guard" },
            ["priorityClassName"] = "system-cluster-critical",
            ["extraArgs"] = new JsonArray("--Serilog:MinimumLevel:Default=Warning"),
            ["service"] = new JsonObject { ["port"] = 8443 },
        },
        ["reconciler"] = new JsonObject
        {
            ["dryRun"] = true,
            ["graceSeconds"] = 45,
            ["repairStaleScaleDownDeadline"] = true,
            ["leaseName"] = "guard-leader",
            ["namespaces"] = new JsonArray("team-a", "team-b"),
            ["extraArgs"] = new JsonArray("--Serilog:MinimumLevel:Default=Information"),
        },
        ["reports"] = new JsonObject { ["format"] = "openreports" },
        ["argoRollouts"] = new JsonObject { ["controllerServiceAccount"] = "system:serviceaccount:argocd:argo-rollouts" },
        ["metrics"] = new JsonObject
        {
            ["serviceMonitor"] = new JsonObject { ["enabled"] = true, ["labels"] = new JsonObject { ["release"] = "prometheus" } },
            ["dashboard"] = new JsonObject { ["enabled"] = true },
        },
    });

    /// <summary>The least the chart can install: a certificate of your own, no reconciler, no RBAC, no pre-delete hook, no disruption budgets.</summary>
    public static ChartConfiguration Minimal { get; } = new("minimal", "minimal", "guard", new JsonObject
    {
        ["certificates"] = ExistingSecretValues()["certificates"]!.DeepClone(),
        ["reconciler"] = new JsonObject { ["enabled"] = false },
        ["rbac"] = new JsonObject { ["create"] = false },
        ["preDelete"] = new JsonObject { ["enabled"] = false },
        ["webhook"] = new JsonObject
        {
            ["podDisruptionBudget"] = new JsonObject { ["enabled"] = false },
            ["topologySpread"] = new JsonObject { ["enabled"] = false },
            ["preStopSleepSeconds"] = 0,
        },
    });

    public static IReadOnlyList<ChartConfiguration> All { get; } =
        [SelfManaged, CertManager, ExistingSecret, LongSelfManaged, LongCertManager, LongExistingSecret, Everything, Minimal];

    public static TheoryData<string> AllNames => new(All.Select(c => c.Name));

    public static ChartConfiguration Named(string name) =>
        All.SingleOrDefault(c => c.Name == name) ?? throw new ArgumentException($"no chart configuration named {name}", nameof(name));

    /// <summary>The certificate mode these values select.</summary>
    public string Mode => Values["certificates"]?["mode"]?.GetValue<string>() ?? "selfManaged";

    /// <summary>A copy of this configuration with more values merged on top (objects merge, anything else replaces).</summary>
    public ChartConfiguration With(string name, JsonObject more) => new(name, Release, Namespace, (JsonObject)Merge(Values.DeepClone(), more));

    public override string ToString() => Name;

    private static JsonNode Merge(JsonNode target, JsonNode patch)
    {
        if (patch is JsonObject patchObject && target is JsonObject targetObject)
        {
            foreach (var (key, value) in patchObject)
            {
                targetObject[key] = targetObject[key] is { } existing && value is JsonObject
                    ? Merge(existing, value.DeepClone())
                    : value?.DeepClone();
            }

            return targetObject;
        }

        return patch.DeepClone();
    }
}

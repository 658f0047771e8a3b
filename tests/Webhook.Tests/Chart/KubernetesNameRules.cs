using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace DeadlineGuard.Tests.Chart;

/// <summary>
/// The API server's rules for the names and labels of the kinds the chart renders, and cert-manager's for a
/// Certificate's commonName: what makes a create fail with 422 Invalid. From kubernetes/kubernetes:
/// <list type="bullet">
/// <item>staging/src/k8s.io/apimachinery/pkg/util/validation/validation.go: IsDNS1123Label (63, [a-z0-9-], alphanumeric
/// at both ends), IsDNS1123Subdomain (253, labels joined by '.'), IsDNS1035Label (63, and starts with a letter),
/// IsValidLabelValue (63, [A-Za-z0-9._-], alphanumeric at both ends), IsQualifiedName (label keys);</item>
/// <item>pkg/apis/core/validation/validation.go: ValidateServiceName = NameIsDNS1035Label, ValidateNamespaceName =
/// NameIsDNSLabel; Secrets, ConfigMaps, ServiceAccounts, Pods: NameIsDNSSubdomain;</item>
/// <item>pkg/apis/rbac/validation/validation.go: Roles, ClusterRoles and their bindings: ValidateRBACName =
/// path.IsValidPathSegmentName (no '/', no '%', not "." or "..");</item>
/// <item>Jobs: a DNS subdomain, but the Job controller's defaulting copies the name into the job-name and
/// batch.kubernetes.io/job-name labels of the Job and its pod template (pkg/registry/batch/job/strategy.go,
/// generateSelector), so a name over 63 characters fails as a label value (kubernetes/kubernetes#50850);</item>
/// <item>everything else here (Deployments, PodDisruptionBudgets, webhook configurations, Leases, custom resources):
/// NameIsDNSSubdomain;</item>
/// <item>cert-manager internal/apis/certmanager/validation/certificate.go (ValidateCertificateSpec): commonName, when
/// set, at most 64 bytes (RFC 5280's ub-common-name); at least one of commonName, dnsNames, uris, ipAddresses,
/// emailAddresses.</item>
/// </list>
/// </summary>
public static partial class KubernetesNameRules
{
    public const int LabelMax = 63;

    public const int SubdomainMax = 253;

    private static readonly HashSet<string> RbacKinds = ["Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding"];

    /// <summary>Every problem the API server (or cert-manager's webhook) would find with the object's names and labels.</summary>
    public static IReadOnlyList<string> Problems(JsonObject obj)
    {
        var kind = obj["kind"]?.GetValue<string>() ?? "?";
        var name = obj["metadata"]?["name"]?.GetValue<string>() ?? string.Empty;
        var problems = new List<string>();
        void Check(bool ok, string what)
        {
            if (!ok)
            {
                problems.Add($"{kind} \"{name}\": {what}");
            }
        }

        switch (kind)
        {
            case "Service":
                Check(IsDns1035Label(name), $"metadata.name must be a DNS-1035 label (at most {LabelMax} characters, a-z 0-9 '-', starting with a letter), has {name.Length}");
                break;
            case "Namespace":
                Check(IsDns1123Label(name), $"metadata.name must be a DNS-1123 label (at most {LabelMax} characters), has {name.Length}");
                break;
            case "Job":
                Check(IsDns1123Subdomain(name), "metadata.name must be a DNS-1123 subdomain");
                Check(name.Length <= LabelMax, $"metadata.name becomes the job-name label, at most {LabelMax} characters, has {name.Length}");
                break;
            case var rbac when RbacKinds.Contains(rbac):
                Check(name.Length > 0 && name is not ("." or "..") && !name.Contains('/', StringComparison.Ordinal) && !name.Contains('%', StringComparison.Ordinal),
                    "metadata.name must be a valid path segment");
                break;
            default:
                Check(IsDns1123Subdomain(name), $"metadata.name must be a DNS-1123 subdomain (at most {SubdomainMax} characters), has {name.Length}");
                break;
        }

        if (obj["metadata"]?["namespace"]?.GetValue<string>() is { } ns)
        {
            Check(IsDns1123Label(ns), $"metadata.namespace must be a DNS-1123 label, has {ns.Length} characters");
        }

        foreach (var (path, labels) in LabelMaps(obj))
        {
            foreach (var (key, value) in labels)
            {
                Check(IsQualifiedName(key), $"{path}: label key \"{key}\" is not a qualified name");
                var text = value?.GetValue<string>() ?? string.Empty;
                Check(IsLabelValue(text), $"{path}: label {key}=\"{text}\" must be at most {LabelMax} characters of [A-Za-z0-9._-], alphanumeric at both ends");
            }
        }

        if (kind == "Certificate" && obj["apiVersion"]?.GetValue<string>()?.StartsWith("cert-manager.io/", StringComparison.Ordinal) == true)
        {
            var spec = obj["spec"];
            if (spec?["commonName"]?.GetValue<string>() is { } commonName)
            {
                Check(Encoding.UTF8.GetByteCount(commonName) <= 64, $"spec.commonName: Too long: may not be more than 64 bytes, has {Encoding.UTF8.GetByteCount(commonName)}");
            }

            Check(new[] { "commonName", "dnsNames", "uris", "ipAddresses", "emailAddresses" }.Any(f => spec?[f] is not null),
                "spec: at least one of commonName, dnsNames, uris, ipAddresses, or emailAddresses must be set");
            foreach (var dnsName in spec?["dnsNames"]?.AsArray().Select(n => n!.GetValue<string>()) ?? [])
            {
                Check(IsDns1123Subdomain(dnsName), $"spec.dnsNames: \"{dnsName}\" is not a DNS name");
            }
        }

        return problems;
    }

    public static bool IsDns1123Label(string text) => text.Length <= LabelMax && Dns1123Label().IsMatch(text);

    public static bool IsDns1035Label(string text) => text.Length <= LabelMax && Dns1035Label().IsMatch(text);

    public static bool IsDns1123Subdomain(string text) => text.Length <= SubdomainMax && Dns1123Subdomain().IsMatch(text);

    public static bool IsLabelValue(string text) => text.Length <= LabelMax && LabelValue().IsMatch(text);

    /// <summary>A label key: an optional DNS subdomain prefix and '/', then a name of at most 63 characters.</summary>
    public static bool IsQualifiedName(string key)
    {
        var parts = key.Split('/');
        return parts switch
        {
            [var name] => name.Length is > 0 and <= LabelMax && QualifiedNamePart().IsMatch(name),
            [var prefix, var name] => IsDns1123Subdomain(prefix) && name.Length is > 0 and <= LabelMax && QualifiedNamePart().IsMatch(name),
            _ => false,
        };
    }

    /// <summary>Every label map of an object: its own, its selector's, its pod template's.</summary>
    private static IEnumerable<(string Path, JsonObject Labels)> LabelMaps(JsonObject obj)
    {
        var candidates = new (string Path, JsonNode? Node)[]
        {
            ("metadata.labels", obj["metadata"]?["labels"]),
            ("spec.selector.matchLabels", obj["spec"]?["selector"]?["matchLabels"]),
            ("spec.selector", obj["kind"]?.GetValue<string>() == "Service" ? obj["spec"]?["selector"] : null),
            ("spec.template.metadata.labels", obj["spec"]?["template"]?["metadata"]?["labels"]),
        };
        return candidates.Where(c => c.Node is JsonObject).Select(c => (c.Path, (JsonObject)c.Node!));
    }

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Dns1123Label();

    [GeneratedRegex("^[a-z]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Dns1035Label();

    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex Dns1123Subdomain();

    [GeneratedRegex("^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")]
    private static partial Regex LabelValue();

    [GeneratedRegex("^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")]
    private static partial Regex QualifiedNamePart();
}

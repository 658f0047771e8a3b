using System.Text.Json.Nodes;
using DeadlineGuard.Tests.Support.FakeKube;

namespace DeadlineGuard.Tests.Chart;

/// <summary>What RBAC decides on: who asks, to do what, to which resource.</summary>
public sealed record ApiRequestAttributes(string Verb, string ApiGroup, string Resource, string? Namespace, string? Name)
{
    public override string ToString() =>
        $"{Verb} {(ApiGroup.Length == 0 ? "core" : ApiGroup)}/{Resource}{(Name is null ? string.Empty : " " + Name)}{(Namespace is null ? string.Empty : " in " + Namespace)}";
}

/// <summary>
/// A test double of the API server's RBAC authorizer over the Roles, ClusterRoles and bindings stored in a
/// <see cref="FakeKubeApiServer"/>, for requests made by one ServiceAccount. It follows kubernetes/kubernetes:
/// <list type="bullet">
/// <item>the request's attributes: staging/src/k8s.io/apiserver/pkg/endpoints/request/requestinfo.go
/// (RequestInfoFactory.NewRequestInfo): GET on a name is get, on a collection list, or watch with watch=true|1;
/// POST create; PUT update; PATCH patch; DELETE delete, on a collection deletecollection; a subresource is
/// "resource/subresource";</item>
/// <item>which rules apply: plugin/pkg/auth/authorizer/rbac/rbac.go (VisitRulesFor): every ClusterRoleBinding's
/// ClusterRole, and in the request's namespace every RoleBinding's Role or ClusterRole, whose subjects include the
/// ServiceAccount (kind ServiceAccount, name and namespace);</item>
/// <item>whether a rule allows: pkg/apis/rbac/v1/evaluation_helpers.go (VerbMatches, APIGroupMatches,
/// ResourceMatches, ResourceNameMatches): "*" matches anything, and a rule with resourceNames matches only a
/// request that names one of them (so never create, list or watch).</item>
/// </list>
/// Cluster-scoped objects (the webhook configurations) are reachable through ClusterRoleBindings only.
/// </summary>
public sealed class RbacAuthorizer(FakeKubeApiServer api, string serviceAccountNamespace, string serviceAccountName)
{
    /// <summary>Null when the ServiceAccount may make the request, else the API server's 403 message.</summary>
    public string? Refusal(RecordedRequest request)
    {
        var attributes = Attributes(request);
        if (attributes is null || Allows(attributes))
        {
            return null;
        }

        return $"User \"system:serviceaccount:{serviceAccountNamespace}:{serviceAccountName}\" cannot {attributes.Verb} resource \"{attributes.Resource}\" " +
               $"in API group \"{attributes.ApiGroup}\"{(attributes.Namespace is null ? " at the cluster scope" : $" in the namespace \"{attributes.Namespace}\"")}";
    }

    /// <summary>The attributes of a resource request; null for a non-resource path (/version, /healthz).</summary>
    public static ApiRequestAttributes? Attributes(RecordedRequest request)
    {
        var segments = request.Path.Trim('/').Split('/');
        var (group, rest) = segments switch
        {
            ["api", _, .. var r] => (string.Empty, r),
            ["apis", var g, _, .. var r] => (g, r),
            _ => (string.Empty, (string[]?)null),
        };
        if (rest is null || rest.Length == 0)
        {
            return null;
        }

        string? ns = null;
        if (rest is ["namespaces", var n, _, ..])
        {
            ns = n;
            rest = rest[2..];
        }

        var (resource, name) = rest switch
        {
            [var r] => (r, (string?)null),
            [var r, var n2] => (r, n2),
            [var r, var n2, var sub] => ($"{r}/{sub}", n2),
            _ => (rest[0], null),
        };
        var verb = request.Method switch
        {
            "GET" when name is not null => "get",
            "GET" when request.IsWatch => "watch",
            "GET" => "list",
            "POST" => "create",
            "PUT" => "update",
            "PATCH" => "patch",
            "DELETE" when name is null => "deletecollection",
            "DELETE" => "delete",
            _ => request.Method.ToLowerInvariant(),
        };
        return new ApiRequestAttributes(verb, group, resource, ns, name);
    }

    public bool Allows(ApiRequestAttributes request) => ApplicableRules(request.Namespace).Any(rule => RuleAllows(rule, request));

    private IEnumerable<JsonObject> ApplicableRules(string? ns)
    {
        var bindings = api.List("clusterrolebindings").Where(BindsAccount).Select(b => (Binding: b, Namespace: (string?)null));
        if (ns is not null)
        {
            bindings = bindings.Concat(api.List("rolebindings", ns).Where(BindsAccount).Select(b => (Binding: b, Namespace: (string?)ns)));
        }

        foreach (var (binding, bindingNamespace) in bindings)
        {
            var roleRef = binding["roleRef"]!;
            var role = roleRef["kind"]!.GetValue<string>() == "ClusterRole"
                ? api.Get("clusterroles", null, roleRef["name"]!.GetValue<string>())
                : api.Get("roles", bindingNamespace, roleRef["name"]!.GetValue<string>());
            foreach (var rule in role?["rules"]?.AsArray() ?? [])
            {
                yield return rule!.AsObject();
            }
        }
    }

    private bool BindsAccount(JsonObject binding) =>
        binding["subjects"]?.AsArray().Any(s =>
            s!["kind"]?.GetValue<string>() == "ServiceAccount"
            && s["name"]?.GetValue<string>() == serviceAccountName
            && s["namespace"]?.GetValue<string>() == serviceAccountNamespace) == true;

    private static bool RuleAllows(JsonObject rule, ApiRequestAttributes request)
    {
        static IReadOnlyList<string> Strings(JsonNode? node) => node?.AsArray().Select(n => n!.GetValue<string>()).ToList() ?? [];

        var names = Strings(rule["resourceNames"]);
        return Strings(rule["verbs"]).Any(v => v == "*" || v == request.Verb)
               && Strings(rule["apiGroups"]).Any(g => g == "*" || g == request.ApiGroup)
               && Strings(rule["resources"]).Any(r => r == "*" || r == request.Resource)
               && (names.Count == 0 || (request.Name is not null && names.Contains(request.Name)));
    }
}

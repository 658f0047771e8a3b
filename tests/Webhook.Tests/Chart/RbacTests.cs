using System.Reflection;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using DeadlineGuard.Tests.Support;

namespace DeadlineGuard.Tests.Chart;

/// <summary>
/// Least privilege, read from the RBAC helm renders: each ServiceAccount is granted exactly the calls the code it runs
/// makes, no more and no less.
/// <para>
/// How the code's calls are found (keep this simple when adding calls): every call of a KubernetesClient operation
/// method (any name the library's *Operations interfaces define, whatever variable it is called on) in the code an
/// account runs is looked up in <see cref="TypedCalls"/>; a call the table does not know fails the test. Every string
/// literal in that code that holds a raw API path ("/api/v1/…" or "/apis/…", for requests sent through the client's
/// HttpClient) must be listed in <see cref="RawRequests"/> with what it asks for; an unlisted one fails the test. A
/// call that moves from the typed client to a raw request without a row there fails too: its permission would then be
/// granted but not needed. The code scanned: src/Webhook/Reconciler/** for the reconciler (plus
/// Tls/CertificateRotator.cs and CertificateRenewal.cs in selfManaged mode), Tls/CertificateRotator.cs and
/// Cli/CertsCommand.cs for the certificate Jobs. The
/// reconciler's leader election (KubernetesClient's LeaseLock) reads, creates and replaces its Lease.
/// </para>
/// </summary>
public sealed partial class RbacTests
{
    /// <summary>One permission: the account, where it applies ("cluster" or a namespace), group, resource, verb, resourceNames.</summary>
    public sealed record Grant(string Scope, string ApiGroup, string Resource, string Verb, string Names)
    {
        public override string ToString() => $"{Scope}: {(ApiGroup.Length == 0 ? "core" : ApiGroup)}/{Resource} {Verb}{(Names.Length == 0 ? string.Empty : $" [{Names}]")}";
    }

    /// <summary>A permission without where and on what names: what a call needs.</summary>
    public sealed record ApiCall(string ApiGroup, string Resource, string Verb)
    {
        public override string ToString() => $"{(ApiGroup.Length == 0 ? "core" : ApiGroup)}/{Resource} {Verb}";
    }

    /// <summary>The report groups and resources (ReportResource), one per format (declared before the tables that use it: static fields start in order).</summary>
    private static readonly (string Format, string Group, string Resource)[] ReportTypes = [("policyreport", "wgpolicyk8s.io", "policyreports"), ("openreports", "openreports.io", "reports")];

    /// <summary>The KubernetesClient methods the code calls, and the permission each needs.</summary>
    private static readonly Dictionary<string, ApiCall> TypedCalls = new(StringComparer.Ordinal)
    {
        // The reconciler's informer and actions (CustomObjects calls: the group and plural are the Rollout's).
        ["ListClusterCustomObjectWithHttpMessagesAsync"] = new("argoproj.io", "rollouts", "list"),
        ["ListNamespacedCustomObjectWithHttpMessagesAsync"] = new("argoproj.io", "rollouts", "list"),
        ["ListClusterCustomObjectAsync"] = new("argoproj.io", "rollouts", "list"),
        ["ListNamespacedCustomObjectAsync"] = new("argoproj.io", "rollouts", "list"),
        ["WatchListClusterCustomObjectAsync"] = new("argoproj.io", "rollouts", "watch"),
        ["WatchListNamespacedCustomObjectAsync"] = new("argoproj.io", "rollouts", "watch"),
        ["PatchNamespacedCustomObjectStatusAsync"] = new("argoproj.io", "rollouts/status", "patch"),
        ["CreateNamespacedEventAsync"] = new("events.k8s.io", "events", "create"),
        ["ListNamespacedReplicaSetAsync"] = new("apps", "replicasets", "list"),
        ["PatchNamespacedReplicaSetAsync"] = new("apps", "replicasets", "patch"),

        // The self-managed certificates (CertificateRotator).
        ["ReadNamespacedSecretAsync"] = new(string.Empty, "secrets", "get"),
        ["CreateNamespacedSecretAsync"] = new(string.Empty, "secrets", "create"),
        ["ReplaceNamespacedSecretAsync"] = new(string.Empty, "secrets", "update"),
        ["ReadMutatingWebhookConfigurationAsync"] = new("admissionregistration.k8s.io", "mutatingwebhookconfigurations", "get"),
        ["PatchMutatingWebhookConfigurationAsync"] = new("admissionregistration.k8s.io", "mutatingwebhookconfigurations", "patch"),
        ["ReadValidatingWebhookConfigurationAsync"] = new("admissionregistration.k8s.io", "validatingwebhookconfigurations", "get"),
        ["PatchValidatingWebhookConfigurationAsync"] = new("admissionregistration.k8s.io", "validatingwebhookconfigurations", "patch"),
    };

    /// <summary>
    /// Raw API paths in the code (a literal, as written in the source, with its interpolation holes) and the permissions
    /// the requests sent to them need. Add a row with each raw request.
    /// </summary>
    private static readonly Dictionary<string, ApiCall[]> RawRequests = new(StringComparer.Ordinal)
    {
        // Reconciler/RolloutApi.cs: the informer's streamed list (paged) and watch (?watch=true) of Rollouts.
        ["$\"apis/{Group}/{Version}/{Plural}\""] = [new("argoproj.io", "rollouts", "list"), new("argoproj.io", "rollouts", "watch")],
        ["$\"apis/{Group}/{Version}/namespaces/{Uri.EscapeDataString(@namespace)}/{Plural}\""] = [new("argoproj.io", "rollouts", "list"), new("argoproj.io", "rollouts", "watch")],

        // Reconciler/Reports/ReportApi.cs: the reports of either format (the chart grants the chosen one's group only):
        // listed everywhere or per namespace; created in a namespace; read, replaced and deleted there by name.
        ["$\"apis/{Resource.Group}/{Resource.Version}/{Resource.Plural}\""] = [.. ReportCalls("list")],
        ["$\"apis/{Resource.Group}/{Resource.Version}/namespaces/{Uri.EscapeDataString(@namespace)}/{Resource.Plural}\""] = [.. ReportCalls("list", "create", "get", "update", "delete")],
    };

    private static IEnumerable<ApiCall> ReportCalls(params string[] verbs) =>
        from type in ReportTypes from verb in verbs select new ApiCall(type.Group, type.Resource, verb);

    /// <summary>KubernetesClient's LeaseLock (k8s.LeaderElection.ResourceLock): ReadNamespacedLease, CreateNamespacedLease, ReplaceNamespacedLease.</summary>
    private static readonly ApiCall[] LeaderElection =
    [
        new("coordination.k8s.io", "leases", "get"), new("coordination.k8s.io", "leases", "create"), new("coordination.k8s.io", "leases", "update"),
    ];

    private static string Source(params string[] relativePaths) => string.Concat(relativePaths
        .Select(p => Path.Combine(TestPaths.RepositoryRoot, "src", "Webhook", p))
        .SelectMany(p => Directory.Exists(p) ? Directory.EnumerateFiles(p, "*.cs", SearchOption.AllDirectories) : [p])
        .Select(File.ReadAllText));

    /// <summary>Every method name of KubernetesClient's operation interfaces and their extension classes.</summary>
    private static readonly Lazy<HashSet<string>> KubernetesOperations = new(() => typeof(k8s.IKubernetes).Assembly.GetTypes()
        .Where(t => t.Namespace == "k8s" && (t.Name.EndsWith("Operations", StringComparison.Ordinal) || t.Name.EndsWith("OperationsExtensions", StringComparison.Ordinal)))
        .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static))
        .Select(m => m.Name)
        .ToHashSet(StringComparer.Ordinal));

    /// <summary>The calls in some source text, from <see cref="TypedCalls"/>; fails on a Kubernetes call the table lacks.</summary>
    private static HashSet<ApiCall> CallsIn(string source)
    {
        var methods = OperationCall().Matches(source).Select(m => m.Groups["method"].Value).Where(KubernetesOperations.Value.Contains).ToHashSet(StringComparer.Ordinal);
        methods.Except(TypedCalls.Keys).ShouldBeEmpty("a Kubernetes call this test does not know: add it to TypedCalls and grant it in the chart");
        var calls = methods.Select(m => TypedCalls[m]).ToHashSet();
        foreach (var literal in ApiPathLiteral().Matches(source).Select(m => m.Value))
        {
            RawRequests.ContainsKey(literal).ShouldBeTrue($"a raw API request {literal}: add it to RawRequests with the permissions it needs, and grant them in the chart");
            calls.UnionWith(RawRequests[literal]);
        }

        return calls;
    }

    /// <summary>What the reconciler's code asks of the API server: its own folder, leader election, and in selfManaged mode the certificate renewal.</summary>
    private static HashSet<ApiCall> ReconcilerCalls(bool selfManaged, bool repair, string? reports)
    {
        var source = Source("Reconciler");
        source.ShouldContain("new LeaseLock(");
        var calls = CallsIn(source);
        calls.UnionWith(LeaderElection);
        if (selfManaged)
        {
            calls.UnionWith(CallsIn(Source(Path.Combine("Tls", "CertificateRotator.cs"), Path.Combine("Tls", "CertificateRenewal.cs"))));
        }

        if (!repair)
        {
            calls.RemoveWhere(c => c.Resource == "replicasets");
        }

        calls.RemoveWhere(c => ReportTypes.Any(t => t.Group == c.ApiGroup && t.Format != reports));
        return calls;
    }

    /// <summary>Every permission the rendered RBAC gives a ServiceAccount of the release namespace.</summary>
    public static IReadOnlyList<Grant> GrantsOf(RenderedChart chart, string account)
    {
        var ns = chart.Configuration.Namespace;
        bool Binds(RenderedObject binding) => binding.Body["subjects"]!.AsArray().Any(s =>
            s!["kind"]!.GetValue<string>() == "ServiceAccount" && s["name"]!.GetValue<string>() == account && s["namespace"]!.GetValue<string>() == ns);

        var grants = new List<Grant>();
        foreach (var binding in chart.OfKind("ClusterRoleBinding").Concat(chart.OfKind("RoleBinding")).Where(Binds))
        {
            var roleRef = binding.Body["roleRef"]!;
            var roleKind = roleRef["kind"]!.GetValue<string>();
            var role = chart.Get(roleKind, roleRef["name"]!.GetValue<string>());
            var scope = binding.Kind == "ClusterRoleBinding" ? "cluster" : binding.Namespace!;
            foreach (var rule in role.Body["rules"]!.AsArray())
            {
                string[] Strings(string field) => rule![field]?.AsArray().Select(n => n!.GetValue<string>()).ToArray() ?? [];
                var names = string.Join(',', Strings("resourceNames"));
                grants.AddRange(
                    from g in Strings("apiGroups")
                    from r in Strings("resources")
                    from v in Strings("verbs")
                    select new Grant(scope, g, r, v, names));
            }
        }

        return grants;
    }

    private static string Account(RenderedChart chart, string suffix) => chart.OfKind("ServiceAccount").Single(a => a.Name.EndsWith("-" + suffix, StringComparison.Ordinal)).Name;

    public static TheoryData<string> Configurations => ChartConfiguration.AllNames;

    [SkippableTheory]
    [InlineData("selfManaged", true, false, "policyreport")]
    [InlineData("certManager", false, false, "policyreport")]
    [InlineData("everything", true, true, "openreports")]
    [InlineData("no-reports", true, false, null)]
    public void The_reconciler_is_granted_every_call_its_code_makes_and_nothing_else(string configuration, bool selfManaged, bool repair, string? reports)
    {
        var chart = configuration == "no-reports"
            ? RenderedChart.Of(ChartConfiguration.SelfManaged.With("no-reports", new JsonObject { ["reports"] = new JsonObject { ["enabled"] = false } }))
            : RenderedChart.Of(configuration);

        var granted = GrantsOf(chart, Account(chart, "reconciler")).Select(g => new ApiCall(g.ApiGroup, g.Resource, g.Verb)).ToHashSet();

        granted.ShouldBe(ReconcilerCalls(selfManaged, repair, reports), ignoreOrder: true);
    }

    [SkippableTheory]
    [InlineData("selfManaged")]
    [InlineData("everything")]
    public void Report_updates_and_deletes_are_limited_to_the_one_report_name(string configuration)
    {
        var chart = RenderedChart.Of(configuration);

        var reports = GrantsOf(chart, Account(chart, "reconciler")).Where(g => ReportTypes.Any(t => t.Group == g.ApiGroup)).ToList();

        reports.ShouldNotBeEmpty();
        reports.Where(g => g.Verb is "get" or "update" or "delete").ShouldAllBe(g => g.Names == "rollout-deadline-guard");
    }

    [SkippableTheory]
    [InlineData("selfManaged")]
    [InlineData("long-selfManaged")]
    public void The_certificate_Jobs_are_granted_every_call_certs_makes_and_nothing_else(string configuration)
    {
        var chart = RenderedChart.Of(configuration);
        var account = chart.OfKind("Job").Where(j => j.Command == "certs").Select(j => j.PodSpec!["serviceAccountName"]!.GetValue<string>()).Distinct().Single();

        var granted = GrantsOf(chart, account).Select(g => new ApiCall(g.ApiGroup, g.Resource, g.Verb)).ToHashSet();

        granted.ShouldBe(CallsIn(Source(Path.Combine("Tls", "CertificateRotator.cs"), Path.Combine("Cli", "CertsCommand.cs"))), ignoreOrder: true);
    }

    [SkippableTheory]
    [InlineData("selfManaged")]
    [InlineData("certManager")]
    public void The_pre_delete_Job_is_granted_exactly_the_deletes_its_kubectl_command_sends(string configuration)
    {
        var chart = RenderedChart.Of(configuration);
        var job = chart.OfKind("Job").Single(j => j.HookEvents.Contains("pre-delete"));
        var types = new Dictionary<string, (string Group, string Resource, bool Namespaced)>
        {
            ["mutatingwebhookconfiguration"] = ("admissionregistration.k8s.io", "mutatingwebhookconfigurations", false),
            ["validatingwebhookconfiguration"] = ("admissionregistration.k8s.io", "validatingwebhookconfigurations", false),
            ["secret"] = (string.Empty, "secrets", true),
        };
        var deletes = job.Args.Where(a => a.Contains('/', StringComparison.Ordinal)).Select(a => a.Split('/')).Select(p => (Type: types[p[0]], Name: p[1])).ToList();

        var granted = GrantsOf(chart, job.PodSpec!["serviceAccountName"]!.GetValue<string>());

        // kubectl delete TYPE/NAME sends one DELETE per object and reads nothing first (KubectlDeleteDouble).
        granted.Select(g => (g.ApiGroup, g.Resource, g.Verb, g.Scope)).Distinct().ShouldBe(
            deletes.Select(d => (d.Type.Group, d.Type.Resource, "delete", d.Type.Namespaced ? chart.Configuration.Namespace : "cluster")).Distinct(),
            ignoreOrder: true);
        foreach (var (type, name) in deletes)
        {
            granted.Where(g => g.Resource == type.Resource).ShouldAllBe(g => g.Names.Split(',', StringSplitOptions.None).Contains(name));
        }
    }

    [SkippableTheory]
    [MemberData(nameof(Configurations))]
    public void No_rule_uses_a_wildcard_and_names_limit_every_verb_that_can_be_limited(string configuration)
    {
        var chart = RenderedChart.Of(configuration);
        var rules = chart.OfKind("Role").Concat(chart.OfKind("ClusterRole")).SelectMany(r => r.Body["rules"]!.AsArray().Select(rule => (Role: r, Rule: rule!)));

        foreach (var (role, rule) in rules)
        {
            rule.ToJsonString().ShouldNotContain("\"*\"", customMessage: role.ToString());
            var verbs = rule["verbs"]!.AsArray().Select(v => v!.GetValue<string>()).ToList();
            var resources = rule["resources"]!.AsArray().Select(v => v!.GetValue<string>()).ToList();
            var perObject = resources.Any(r => r is "secrets" or "leases" or "mutatingwebhookconfigurations" or "validatingwebhookconfigurations");

            // create, list and watch cannot be limited by resourceNames; every other verb on an object of the release must be.
            if (perObject && verbs.Any(v => v is not ("create" or "list" or "watch")))
            {
                rule["resourceNames"].ShouldNotBeNull($"{role}: {rule.ToJsonString()}");
            }
        }
    }

    [SkippableTheory]
    [InlineData("selfManaged")]
    [InlineData("everything")]
    public void The_selfManaged_rules_name_the_serving_Secret_the_CA_Secret_and_the_two_configurations(string configuration)
    {
        var chart = RenderedChart.Of(configuration);
        var prefix = chart.OfKind("MutatingWebhookConfiguration").Single().Name;

        foreach (var account in new[] { Account(chart, "reconciler"), Account(chart, "certs") })
        {
            var grants = GrantsOf(chart, account);
            grants.Where(g => g.Resource == "secrets" && g.Verb != "create").ShouldAllBe(g => g.Names == $"{prefix}-tls,{prefix}-tls-ca");
            grants.ShouldContain(g => g.Resource == "secrets" && g.Verb == "get");
            grants.Where(g => g.ApiGroup == "admissionregistration.k8s.io").ShouldAllBe(g => g.Names == prefix && g.Scope == "cluster");
        }
    }

    [SkippableTheory]
    [InlineData("certManager")]
    [InlineData("existingSecret")]
    public void Without_selfManaged_certificates_nobody_may_touch_Secrets_or_webhook_configurations_except_the_pre_delete_hook(string configuration)
    {
        var chart = RenderedChart.Of(configuration);

        GrantsOf(chart, Account(chart, "reconciler")).ShouldNotContain(g => g.Resource == "secrets" || g.ApiGroup == "admissionregistration.k8s.io");
        chart.Objects.ShouldNotContain(o => o.Kind == "Job" && o.Command == "certs");
        chart.OfKind("ServiceAccount").ShouldNotContain(a => a.Name.EndsWith("-certs", StringComparison.Ordinal));
    }

    [SkippableTheory]
    [MemberData(nameof(Configurations))]
    public void The_webhook_has_no_API_access(string configuration)
    {
        var chart = RenderedChart.Of(configuration);
        var deployment = chart.OfKind("Deployment").Single(d => d.Name.EndsWith("-webhook", StringComparison.Ordinal));
        var account = deployment.PodSpec!["serviceAccountName"]!.GetValue<string>();

        deployment.PodSpec!["automountServiceAccountToken"]!.GetValue<bool>().ShouldBeFalse();
        chart.Get("ServiceAccount", account).Body["automountServiceAccountToken"]!.GetValue<bool>().ShouldBeFalse();
        GrantsOf(chart, account).ShouldBeEmpty();
    }

    [SkippableTheory]
    [InlineData("selfManaged", new string[0])]
    [InlineData("everything", new[] { "team-a", "team-b" })]
    public void The_reconciler_is_bound_cluster_wide_only_when_it_watches_the_whole_cluster(string configuration, string[] namespaces)
    {
        var chart = RenderedChart.Of(configuration);
        var rollouts = GrantsOf(chart, Account(chart, "reconciler")).Where(g => g.ApiGroup == "argoproj.io").Select(g => g.Scope).Distinct();

        rollouts.ShouldBe(namespaces.Length == 0 ? ["cluster"] : namespaces, ignoreOrder: true);
        chart.OfKind("RoleBinding").Where(b => namespaces.Contains(b.Namespace)).ShouldAllBe(b => b.Body["roleRef"]!["kind"]!.GetValue<string>() == "ClusterRole");
    }

    [SkippableFact]
    public void The_hook_RBAC_is_created_before_each_Job_that_needs_it_and_for_every_event_the_Job_runs_on()
    {
        var chart = RenderedChart.Of("selfManaged");

        foreach (var job in chart.OfKind("Job"))
        {
            var account = job.PodSpec!["serviceAccountName"]!.GetValue<string>();
            var rbac = chart.Objects.Where(o => o.IsHook && o.Kind is "ServiceAccount" or "Role" or "RoleBinding" or "ClusterRole" or "ClusterRoleBinding"
                                                && o.Name == account).ToList();
            rbac.Select(o => o.Kind).ShouldBe(["ServiceAccount", "Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding"], ignoreOrder: true);
            foreach (var hook in rbac)
            {
                hook.HookWeight.ShouldBeLessThan(job.HookWeight, hook.ToString());
                job.HookEvents.ShouldAllBe(e => hook.HookEvents.Contains(e), hook.ToString());
            }
        }
    }

    /// <summary>A call of a method named like a KubernetesClient operation: ".ReadNamespacedSecretAsync(".</summary>
    [GeneratedRegex(@"\.(?<method>[A-Z][A-Za-z0-9]*Async)\(")]
    private static partial Regex OperationCall();

    /// <summary>A C# string literal (plain, verbatim or interpolated) that holds a raw API path, absolute or relative ("apis/…").</summary>
    [GeneratedRegex(@"[$@]*""(?:[^""\n]*/)?apis?/[^""\n]*""")]
    private static partial Regex ApiPathLiteral();
}

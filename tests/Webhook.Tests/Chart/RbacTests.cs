using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using DeadlineGuard.Json;
using DeadlineGuard.Tests.Support;

namespace DeadlineGuard.Tests.Chart;

/// <summary>
/// Least privilege: each Role and ClusterRole grants exactly the calls its user makes, and nothing when
/// the feature that needs them is off. Rules are read from the templates with the condition each one is
/// rendered under (the innermost <c>if</c> around it inside the rules list, "" for none).
/// </summary>
public sealed partial class RbacTests
{
    /// <summary>One rule: apiGroup, resources, sorted verbs, resourceNames (placeholders from the templates), condition.</summary>
    public sealed record Rule(string ApiGroup, string Resources, string Verbs, string ResourceNames, string Condition)
    {
        public override string ToString() => $"{ApiGroup}/{Resources} [{Verbs}] names=[{ResourceNames}] if=[{Condition}]";
    }

    private const string SelfManaged = "eq .Values.certificates.mode \"selfManaged\"";
    private const string Repair = ".Values.reconciler.repairStaleScaleDownDeadline";
    private const string Named = GoTemplateText.Placeholder;

    /// <summary>The serving Secret and the CA Secret beside it ("&lt;secret&gt;-ca").</summary>
    private const string TwoNamed = GoTemplateText.Placeholder + "," + GoTemplateText.Placeholder;

    public static TheoryData<string, Rule[]> ExpectedRules => new()
    {
        {
            "clusterrole-reconciler.yaml",
            [
                new("argoproj.io", "rollouts", "get,list,watch", "", ""),
                new("argoproj.io", "rollouts/status", "patch", "", ""),
                new("apps", "replicasets", "list,patch", "", Repair),
                new("events.k8s.io", "events", "create", "", ""),
            ]
        },
        {
            "role-reconciler.yaml",
            [
                new("coordination.k8s.io", "leases", "create", "", ""),
                new("coordination.k8s.io", "leases", "get,update", Named, ""),
                new("", "secrets", "create", "", SelfManaged),
                new("", "secrets", "get,update", TwoNamed, SelfManaged),
            ]
        },
        {
            "clusterrole-reconciler-certs.yaml",
            [new("admissionregistration.k8s.io", "mutatingwebhookconfigurations,validatingwebhookconfigurations", "get,patch", Named, "")]
        },
        {
            "role-certs-job.yaml",
            [
                new("", "secrets", "create", "", ""),
                new("", "secrets", "get,update", TwoNamed, ""),
            ]
        },
        {
            "clusterrole-certs-job.yaml",
            [new("admissionregistration.k8s.io", "mutatingwebhookconfigurations,validatingwebhookconfigurations", "get,patch", Named, "")]
        },
        {
            "clusterrole-pre-delete.yaml",
            [new("admissionregistration.k8s.io", "mutatingwebhookconfigurations,validatingwebhookconfigurations", "delete,get", Named, "")]
        },
    };

    [Theory]
    [MemberData(nameof(ExpectedRules))]
    public void Each_role_grants_exactly_the_expected_rules(string template, Rule[] expected)
    {
        RulesOf(template).ShouldBe(expected, ignoreOrder: true);
    }

    [Fact]
    public void Every_role_template_is_checked()
    {
        var roleTemplates = ChartFiles.ManifestNames.Where(n => Path.GetFileName(n).StartsWith("role-", StringComparison.Ordinal) || Path.GetFileName(n).StartsWith("clusterrole-", StringComparison.Ordinal));

        roleTemplates.ShouldBe(ExpectedRules.Select(row => (string)row[0]), ignoreOrder: true);
    }

    [Fact]
    public void No_rule_uses_a_wildcard()
    {
        foreach (var template in ExpectedRules.Select(row => (string)row[0]))
        {
            RulesOf(template).ShouldAllBe(r => !r.ApiGroup.Contains('*') && !r.Resources.Contains('*') && !r.Verbs.Contains('*'), template);
        }
    }

    [Fact]
    public void The_certificate_rules_exist_only_in_selfManaged_mode_and_the_repair_rule_only_when_repair_is_on()
    {
        FileCondition("clusterrole-reconciler-certs.yaml").ShouldContain(SelfManaged);
        FileCondition("clusterrolebinding-reconciler-certs.yaml").ShouldContain(SelfManaged);
        FileCondition("role-certs-job.yaml").ShouldContain(SelfManaged);
        FileCondition("clusterrole-certs-job.yaml").ShouldContain(SelfManaged);
        FileCondition("job-certs.yaml").ShouldContain(SelfManaged);
        RulesOf("clusterrole-reconciler.yaml").Single(r => r.Resources == "replicasets").Condition.ShouldBe(Repair);
    }

    [Fact]
    public void Names_limit_every_verb_that_can_be_limited()
    {
        // create (and list/watch) cannot be limited by resourceNames; every other verb on a Secret, Lease or
        // webhook configuration must be.
        foreach (var template in ExpectedRules.Select(row => (string)row[0]))
        {
            foreach (var rule in RulesOf(template).Where(r => r.Resources is not ("rollouts" or "rollouts/status" or "replicasets" or "events")))
            {
                (rule.Verbs == "create" || rule.ResourceNames.Length > 0).ShouldBeTrue($"{template}: {rule}");
            }
        }
    }

    /// <summary>The Kubernetes calls in the reconciler's code and the permission each needs; a new call must be added here and to the chart.</summary>
    private static readonly Dictionary<string, (string ApiGroup, string Resource, string Verb)> ReconcilerCalls = new(StringComparer.Ordinal)
    {
        ["ListRolloutsAsync"] = ("argoproj.io", "rollouts", "list"),
        ["WatchRolloutsAsync"] = ("argoproj.io", "rollouts", "watch"),
        ["PatchNamespacedCustomObjectStatusAsync"] = ("argoproj.io", "rollouts/status", "patch"),
        ["CreateNamespacedEventAsync"] = ("events.k8s.io", "events", "create"),
        ["ListNamespacedReplicaSetAsync"] = ("apps", "replicasets", "list"),
        ["PatchNamespacedReplicaSetAsync"] = ("apps", "replicasets", "patch"),
    };

    [Fact]
    public void The_reconciler_role_covers_every_Kubernetes_call_its_code_makes()
    {
        var source = string.Concat(Directory.EnumerateFiles(Path.Combine(TestPaths.RepositoryRoot, "src", "Webhook", "Reconciler"), "*.cs").Select(File.ReadAllText));
        var calls = ClientCall().Matches(source).Select(m => m.Groups["method"].Value).ToHashSet(StringComparer.Ordinal);

        calls.ShouldNotBeEmpty();
        calls.Except(ReconcilerCalls.Keys).ShouldBeEmpty("a Kubernetes call without an RBAC entry in this test and in the chart");
        var granted = RulesOf("clusterrole-reconciler.yaml")
            .SelectMany(r => r.Verbs.Split(',').Select(v => (r.ApiGroup, r.Resources, v)))
            .ToHashSet();
        foreach (var call in calls)
        {
            granted.ShouldContain(ReconcilerCalls[call], call);
        }

        // Leader election: KubernetesClient's LeaseLock reads, creates and replaces the Lease.
        source.ShouldContain("new LeaseLock(");
        RulesOf("role-reconciler.yaml").Where(r => r.Resources == "leases").SelectMany(r => r.Verbs.Split(','))
            .ShouldBe(["create", "get", "update"], ignoreOrder: true);
    }

    [Fact]
    public void The_webhook_has_no_API_access()
    {
        var account = ChartFiles.StaticObject("serviceaccount-webhook.yaml");
        var deployment = ChartFiles.StaticObject("deployment-webhook.yaml");

        account["automountServiceAccountToken"]!.GetValue<bool>().ShouldBeFalse();
        deployment["spec"]!["template"]!["spec"]!["automountServiceAccountToken"]!.GetValue<bool>().ShouldBeFalse();
        foreach (var template in ChartFiles.ManifestNames.Where(n => n.Contains("binding", StringComparison.Ordinal)))
        {
            ChartFiles.Template(template).ShouldNotContain("webhookServiceAccountName", customMessage: template);
        }
    }

    [Fact]
    public void The_reconciler_is_bound_cluster_wide_only_when_it_watches_the_whole_cluster()
    {
        FileCondition("clusterrolebinding-reconciler.yaml").ShouldContain("empty .Values.reconciler.namespaces");
        ChartFiles.Template("rolebindings-reconciler-namespaces.yaml").ShouldContain("range .Values.reconciler.namespaces");
        ChartFiles.StaticObject("rolebindings-reconciler-namespaces.yaml")["roleRef"]!["kind"]!.GetValue<string>().ShouldBe("ClusterRole");
    }

    /// <summary>The rules of a Role/ClusterRole template, each with the innermost condition it is rendered under.</summary>
    public static IReadOnlyList<Rule> RulesOf(string template)
    {
        var lines = ChartFiles.Template(template).Split('\n');
        var start = Array.FindIndex(lines, l => l.TrimEnd() == "rules:");
        start.ShouldBeGreaterThan(-1, $"{template} has no rules:");

        var rules = new List<Rule>();
        var conditions = new Stack<string>();
        var segment = new List<string>();
        var segmentCondition = string.Empty;

        void Flush()
        {
            if (segment.Count == 0)
            {
                return;
            }

            var yaml = ChartFiles.Renderer.StaticYaml(string.Join('\n', segment));
            var node = YamlJson.ParseStream(yaml).Single().Root!.AsArray().Single()!;
            rules.Add(new Rule(
                string.Join(',', node["apiGroups"]!.AsArray().Select(g => g!.GetValue<string>())),
                string.Join(',', node["resources"]!.AsArray().Select(g => g!.GetValue<string>())),
                string.Join(',', node["verbs"]!.AsArray().Select(g => g!.GetValue<string>()).Order(StringComparer.Ordinal)),
                node["resourceNames"] is JsonArray names ? string.Join(',', names.Select(n => n!.GetValue<string>())) : string.Empty,
                segmentCondition));
            segment.Clear();
        }

        foreach (var line in lines.Skip(start + 1))
        {
            var control = ControlLine().Match(line);
            if (control.Success)
            {
                switch (control.Groups["keyword"].Value)
                {
                    case "if":
                        Flush();
                        conditions.Push(control.Groups["rest"].Value.Trim());
                        break;
                    case "end":
                        Flush();
                        if (conditions.Count == 0)
                        {
                            return rules; // the end of the file-wide condition: the rules are over
                        }

                        conditions.Pop();
                        break;
                }

                continue;
            }

            if (line.TrimStart().StartsWith("- apiGroups:", StringComparison.Ordinal))
            {
                Flush();
                segmentCondition = conditions.Count > 0 ? conditions.Peek() : string.Empty;
            }

            if (line.TrimStart().StartsWith('#') || line.Trim().Length == 0)
            {
                continue;
            }

            segment.Add(line);
        }

        Flush();
        return rules;
    }

    /// <summary>The condition of the whole file: its first line's if.</summary>
    private static string FileCondition(string template) =>
        ControlLine().Match(ChartFiles.Template(template).Split('\n')[0]) is { Success: true, Groups: var g } && g["keyword"].Value == "if"
            ? g["rest"].Value.Trim()
            : string.Empty;

    [GeneratedRegex(@"^\s*\{\{-?\s*(?<keyword>if|end|else)\b(?<rest>.*?)-?\}\}\s*$")]
    private static partial Regex ControlLine();

    [GeneratedRegex(@"client\.(?:[A-Za-z0-9]+\.)?(?<method>[A-Za-z]+Async)\(")]
    private static partial Regex ClientCall();
}

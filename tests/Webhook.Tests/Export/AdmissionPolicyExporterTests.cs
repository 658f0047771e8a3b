using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CsCheck;
using DeadlineGuard.Export;
using DeadlineGuard.Json;
using DeadlineGuard.Policy;

namespace DeadlineGuard.Tests.Export;

/// <summary>The exporter as a function: what it writes for a policy, and what it refuses to write approximately.</summary>
public sealed class AdmissionPolicyExporterTests
{
    private static readonly DeadlinePolicy TestPolicy = PolicyDocumentReader.Parse(ExportEquivalenceFixture.PolicyYaml, "test");

    private static PolicyExport Export(DeadlinePolicy policy, ExportOptions? options = null) =>
        AdmissionPolicyExporter.Export(policy, options ?? new ExportOptions());

    private static IEnumerable<string> Names(PolicyExport export, string kind) =>
        export.Objects.Where(o => o["kind"]!.GetValue<string>() == kind).Select(o => o["metadata"]!["name"]!.GetValue<string>());

    [Fact]
    public void One_validating_policy_and_binding_per_action_in_use_and_one_for_the_exemption_annotation()
    {
        Names(Export(DeadlinePolicy.BuiltIn), "ValidatingAdmissionPolicy").ShouldBe(["rollout-deadline-guard-deny", "rollout-deadline-guard-exemptions"]);
        Names(Export(TestPolicy), "ValidatingAdmissionPolicy").ShouldBe(
            ["rollout-deadline-guard-deny", "rollout-deadline-guard-warn", "rollout-deadline-guard-audit", "rollout-deadline-guard-exemptions"]);

        var bindings = Export(TestPolicy).Objects.Where(o => o["kind"]!.GetValue<string>() == "ValidatingAdmissionPolicyBinding")
            .ToDictionary(o => o["metadata"]!["name"]!.GetValue<string>(), o => o["spec"]!["validationActions"]!.AsArray().Single()!.GetValue<string>());
        bindings.ShouldBe(new Dictionary<string, string>
        {
            ["rollout-deadline-guard-deny"] = "Deny",
            ["rollout-deadline-guard-warn"] = "Warn",
            ["rollout-deadline-guard-audit"] = "Audit",
            ["rollout-deadline-guard-exemptions"] = "Warn",
        });
    }

    [Fact]
    public void Names_start_with_the_prefix_given()
    {
        var export = Export(DeadlinePolicy.BuiltIn, new ExportOptions { NamePrefix = "team.policies" });

        export.Objects.ShouldAllBe(o => o["metadata"]!["name"]!.GetValue<string>().StartsWith("team.policies-", StringComparison.Ordinal));
        Names(export, "MutatingAdmissionPolicyBinding").ShouldBe(["team.policies-inject"]);
    }

    [Theory]
    [InlineData("Bad_Prefix")]
    [InlineData("-leading-dash")]
    [InlineData("")]
    public void A_prefix_that_makes_no_valid_names_is_refused_naming_the_option(string prefix)
    {
        var e = Should.Throw<ExportException>(() => Export(DeadlinePolicy.BuiltIn, new ExportOptions { NamePrefix = prefix }));

        e.Part.ShouldBe("--name-prefix");
    }

    [Fact]
    public void The_controller_service_account_and_the_excluded_namespaces_come_from_the_options()
    {
        var export = Export(DeadlinePolicy.BuiltIn, new ExportOptions
        {
            ControllerServiceAccount = "system:serviceaccount:argocd:argo-rollouts",
            ExcludedNamespaces = ["ops"],
            OptOutLabel = string.Empty,
        });

        foreach (var policy in export.Objects.Where(o => o["kind"]!.GetValue<string>().EndsWith("Policy", StringComparison.Ordinal)))
        {
            policy["spec"]!["matchConditions"]![0]!["expression"]!.GetValue<string>().ShouldContain("'system:serviceaccount:argocd:argo-rollouts'");
            var selector = policy["spec"]!["matchConstraints"]!["namespaceSelector"]!["matchExpressions"]!.AsArray();
            selector.ShouldHaveSingleItem()!["values"]!.ToJsonString().ShouldBe("[\"ops\"]");
        }

        var none = Export(DeadlinePolicy.BuiltIn, new ExportOptions { ExcludedNamespaces = [], OptOutLabel = string.Empty });
        none.Objects.ShouldAllBe(o => o["spec"]!["matchConstraints"] == null || o["spec"]!["matchConstraints"]!["namespaceSelector"] == null);
    }

    [Fact]
    public void The_mutating_policy_skips_the_controller_as_the_charts_mutating_webhook_does()
    {
        var map = Export(DeadlinePolicy.BuiltIn).Objects.Single(o => o["kind"]!.GetValue<string>() == "MutatingAdmissionPolicy");
        var condition = map["spec"]!["matchConditions"]![0]!;

        condition["name"]!.GetValue<string>().ShouldBe("skip-argo-controller-unless-workload-generation-changed");
        condition["expression"]!.GetValue<string>().ShouldContain("rollout.argoproj.io/workload-generation");
        map["spec"]!["failurePolicy"]!.GetValue<string>().ShouldBe("Ignore");
        map["spec"]!["reinvocationPolicy"]!.GetValue<string>().ShouldBe("IfNeeded");
        map["spec"]!["mutations"]![0]!["patchType"]!.GetValue<string>().ShouldBe("JSONPatch");
    }

    [Fact]
    public void Without_injection_in_any_namespace_there_is_no_mutating_policy_and_the_header_says_so()
    {
        var export = Export(DeadlinePolicy.BuiltIn with { Inject = false });

        Names(export, "MutatingAdmissionPolicy").ShouldBeEmpty();
        export.Header.ShouldContain(l => l.Contains("injection is off in every namespace", StringComparison.Ordinal));
    }

    [Fact]
    public void The_header_says_what_the_export_cannot_do_and_what_each_kind_needs()
    {
        var header = string.Join("\n", Export(TestPolicy).Header);

        header.ShouldContain("no revision history");
        header.ShouldContain("spec.history.limit 10");
        header.ShouldContain("no reconciler");
        header.ShouldContain("no pitfall warnings");
        header.ShouldContain("no pause limit");
        header.ShouldContain("Kubernetes 1.30");
        header.ShouldContain("Kubernetes 1.36");

        var beta = string.Join("\n", Export(TestPolicy, new ExportOptions { MutatingVersion = MutatingPolicyVersion.V1Beta1 }).Header);
        beta.ShouldContain("--feature-gates=MutatingAdmissionPolicy=true");
        beta.ShouldContain("--runtime-config=admissionregistration.k8s.io/v1beta1=true");

        var vapOnly = string.Join("\n", Export(TestPolicy, new ExportOptions { Format = ExportFormat.Vap }).Header);
        vapOnly.ShouldContain("nothing injects missing fields");
        vapOnly.ShouldNotContain("MutatingAdmissionPolicy admissionregistration");
    }

    [Theory]
    [InlineData("team-\u00e4")]
    [InlineData("tab\there")]
    public void A_namespace_glob_with_no_faithful_regular_expression_is_refused_naming_its_place(string glob)
    {
        var policy = TestPolicy with
        {
            Overrides = [TestPolicy.Overrides[0], TestPolicy.Overrides[1] with { Namespaces = ["qa", glob] }],
        };

        var e = Should.Throw<ExportException>(() => Export(policy));

        e.Part.ShouldBe("spec.overrides[1].namespaces[1]");
        e.Message.ShouldContain(glob);
    }

    [Fact]
    public void An_exemption_glob_with_no_faithful_regular_expression_is_refused_naming_its_place()
    {
        var policy = DeadlinePolicy.BuiltIn with { Exemptions = DeadlinePolicy.BuiltIn.Exemptions with { AllowedIn = ["sandbox-\u00df"] } };

        Should.Throw<ExportException>(() => Export(policy)).Part.ShouldBe("spec.exemptions.allowedIn[0]");
    }

    [Fact]
    public void An_action_with_no_validation_actions_form_is_refused_naming_its_place()
    {
        var policy = TestPolicy with { Overrides = [TestPolicy.Overrides[0] with { Action = (PolicyAction)7 }] };

        Should.Throw<ExportException>(() => Export(policy)).Part.ShouldBe("spec.overrides[0].action");
        Should.Throw<ExportException>(() => Export(DeadlinePolicy.BuiltIn with { Action = (PolicyAction)7 })).Part.ShouldBe("spec.action");
    }

    [Fact]
    public void A_minimum_bound_below_one_is_refused_naming_its_place()
    {
        var policy = TestPolicy with { Overrides = [TestPolicy.Overrides[0] with { MinSeconds = 0 }] };

        Should.Throw<ExportException>(() => Export(policy)).Part.ShouldBe("spec.overrides[0].bounds.minSeconds");
    }

    [Fact]
    public void The_pause_limit_and_the_ignored_pitfalls_are_named_in_the_header_as_not_enforced_and_change_no_object()
    {
        var policy = DeadlinePolicy.BuiltIn with
        {
            Pauses = new PauseOptions(3600, false),
            Pitfalls = new PitfallOptions(["DG102", "DG104"]),
            Overrides = [new PolicyOverride(["batch-*"], null, null, null, null, null, null, null, PauseMaxSeconds: 86400)],
        };

        var export = Export(policy);
        var header = string.Join("\n", export.Header);

        header.ShouldContain("no pause limit: an indefinite pause is never limited (spec.pauses.maxSeconds 3600, spec.overrides[0].pauses.maxSeconds 86400 not enforced);");
        header.ShouldContain("so spec.pitfalls.ignore (DG102, DG104) is not used;");
        string.Join("\n", Export(DeadlinePolicy.BuiltIn).Header).ShouldContain("no pause limit: an indefinite pause is never limited;");
        var withoutPauses = Export(policy with { Pauses = DeadlinePolicy.BuiltIn.Pauses, Pitfalls = DeadlinePolicy.BuiltIn.Pitfalls, Overrides = [policy.Overrides[0] with { PauseMaxSeconds = null }] });
        export.ToYaml().Split('\n').Where(l => !l.StartsWith('#')).ShouldBe(withoutPauses.ToYaml().Split('\n').Where(l => !l.StartsWith('#')), "the objects are the same");
    }

    [Fact]
    public void Every_policy_field_has_a_decided_place_in_the_export()
    {
        // A field added to the policy fails here until the export carries it, or refuses it, or says in the header that it cannot.
        var members = typeof(DeadlinePolicy).GetProperties().Where(p => p.DeclaringType == typeof(DeadlinePolicy) && p.GetMethod!.IsStatic == false && p.Name != "EqualityContract")
            .Select(p => $"{nameof(DeadlinePolicy)}.{p.Name}")
            .Concat(typeof(PolicyOverride).GetProperties().Where(p => p.Name != "EqualityContract").Select(p => $"{nameof(PolicyOverride)}.{p.Name}"))
            .Order(StringComparer.Ordinal)
            .ToList();

        members.ShouldBe(AdmissionPolicyExporter.PolicyFields.Keys.Order(StringComparer.Ordinal).ToList());
    }

    [Fact]
    public void Overrides_are_tried_in_order_and_the_first_match_wins()
    {
        var rules = new NamespaceRules(TestPolicy);

        rules.OverrideIndex("variables.namespaceName").ShouldBe(
            "variables.namespaceName.matches('^(team-a-.*)$') ? 0 : variables.namespaceName.matches('^(team-b-.*|qa)$') ? 1 : "
            + "variables.namespaceName.matches('^(batch-.*)$') ? 2 : variables.namespaceName.matches('^(team-a-legacy|manual)$') ? 3 : -1");
        rules.Value(e => e.MaxSeconds, v => v.ToString(System.Globalization.CultureInfo.InvariantCulture), "i").ShouldBe("[3600, 7200, 3600, 800, 3600][i + 1]");
        rules.Value(e => e.MinSeconds, v => v.ToString(System.Globalization.CultureInfo.InvariantCulture), "i").ShouldBe("[30, 30, 30, 700, 30][i + 1]");
    }

    [Fact]
    public void A_glob_and_its_regular_expression_match_the_same_names()
    {
        var glob = Gen.String[Gen.Char["ab-*?.x"], 0, 6];
        var name = Gen.String[Gen.Char["ab-.x"], 0, 8];
        Gen.Select(glob, name).Sample((g, n) =>
            Regex.IsMatch(n, CelText.GlobsRegex([g], "test"), RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)) == NamespaceGlob.IsMatch(g, n));
    }

    [Theory]
    [InlineData("it's", "'it\\'s'")]
    [InlineData("a\\b", "'a\\\\b'")]
    [InlineData("line\nbreak", "'line\\nbreak'")]
    [InlineData("bell\u0007", "'bell\\u0007'")]
    public void Cel_string_literals_escape_what_cel_requires(string value, string literal) =>
        CelText.Quote(value).ShouldBe(literal);

    [Fact]
    public void The_yaml_reads_back_as_the_objects_it_was_written_from()
    {
        foreach (var export in new[] { Export(DeadlinePolicy.BuiltIn), Export(TestPolicy, new ExportOptions { MutatingVersion = MutatingPolicyVersion.V1Beta1 }) })
        {
            var documents = YamlJson.ParseStream(export.ToYaml()).Select(d => d.Root).ToList();

            documents.Count.ShouldBe(export.Objects.Count);
            for (var i = 0; i < documents.Count; i++)
            {
                JsonNode.DeepEquals(documents[i], export.Objects[i]).ShouldBeTrue($"document {i + 1}");
            }
        }
    }

    [Fact]
    public void Strings_that_yaml_would_read_as_something_else_are_quoted()
    {
        var tricky = new[] { "true", "no", "On", "~", "null", "", " padded", "600", "-1", ".5", "1e3", "0x1F", "2026-01-01", ".inf", "<<", "a: b", "# c", "x'y\"z\\", "two\nlines" };
        var obj = new JsonObject(tricky.Select((s, i) => KeyValuePair.Create($"k{i}", (JsonNode?)s)));

        var back = YamlJson.ParseStream(YamlWriter.Write(obj)).Single().Root!.AsObject();

        JsonNode.DeepEquals(back, obj).ShouldBeTrue(back.ToJsonString());
    }

    [Fact]
    public void The_yaml_starts_with_the_header_as_comments_and_separates_documents()
    {
        var yaml = Export(DeadlinePolicy.BuiltIn).ToYaml();
        var lines = yaml.Split('\n');

        lines[0].ShouldStartWith("# Rollout Deadline Guard");
        lines.TakeWhile(l => l != "---").ShouldAllBe(l => l.StartsWith('#'));
        lines.Count(l => l == "---").ShouldBe(Export(DeadlinePolicy.BuiltIn).Objects.Count);
    }
}

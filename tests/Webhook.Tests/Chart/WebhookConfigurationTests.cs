using System.Text;
using System.Text.Json.Nodes;

namespace DeadlineGuard.Tests.Chart;

/// <summary>The two webhook configurations as helm renders them: what they intercept, how they fail, what they never see.</summary>
public sealed class WebhookConfigurationTests
{
    private const string Mutating = "MutatingWebhookConfiguration";
    private const string Validating = "ValidatingWebhookConfiguration";

    public static TheoryData<string> Both => new(Mutating, Validating);

    public static TheoryData<string, string> BothInEveryConfiguration
    {
        get
        {
            var data = new TheoryData<string, string>();
            foreach (var configuration in ChartConfiguration.All)
            {
                data.Add(configuration.Name, Mutating);
                data.Add(configuration.Name, Validating);
            }

            return data;
        }
    }

    private static RenderedObject Configuration(string configuration, string kind) => RenderedChart.Of(configuration).OfKind(kind).Single();

    private static JsonObject Webhook(string configuration, string kind) =>
        Configuration(configuration, kind).Body["webhooks"]!.AsArray().Single()!.AsObject();

    private static string[] Strings(JsonNode? node) => node!.AsArray().Select(n => n!.GetValue<string>()).ToArray();

    [SkippableTheory]
    [MemberData(nameof(Both))]
    public void Both_intercept_Rollout_create_and_update_on_the_main_resource_only(string kind)
    {
        var rule = Webhook("selfManaged", kind)["rules"]!.AsArray().Single()!;

        Strings(rule["apiGroups"]).ShouldBe(["argoproj.io"]);
        Strings(rule["apiVersions"]).ShouldBe(["*"]);
        Strings(rule["resources"]).ShouldBe(["rollouts"]); // never rollouts/status: the controller writes it constantly
        Strings(rule["operations"]).ShouldBe(["CREATE", "UPDATE"]);
        rule["scope"]!.GetValue<string>().ShouldBe("Namespaced");
    }

    [SkippableTheory]
    [MemberData(nameof(Both))]
    public void Both_have_no_side_effects_match_equivalent_versions_speak_v1_and_v1beta1_and_take_the_timeout_from_values(string kind)
    {
        var webhook = Webhook("selfManaged", kind);

        webhook["sideEffects"]!.GetValue<string>().ShouldBe("None");
        webhook["matchPolicy"]!.GetValue<string>().ShouldBe("Equivalent");
        Strings(webhook["admissionReviewVersions"]).ShouldBe(["v1", "v1beta1"]);
        webhook["timeoutSeconds"]!.GetValue<int>().ShouldBe(5);
        Webhook("everything", kind)["timeoutSeconds"]!.GetValue<int>().ShouldBe(3);
    }

    [SkippableFact]
    public void The_mutating_webhook_fails_open_and_may_be_reinvoked()
    {
        var mutating = Webhook("selfManaged", Mutating);

        mutating["failurePolicy"]!.GetValue<string>().ShouldBe("Ignore");
        mutating["reinvocationPolicy"]!.GetValue<string>().ShouldBe("IfNeeded");
        mutating["clientConfig"]!["service"]!["path"]!.GetValue<string>().ShouldBe("/mutate");
        Webhook("everything", Mutating)["failurePolicy"]!.GetValue<string>().ShouldBe("Ignore");
    }

    [SkippableTheory]
    [InlineData("selfManaged", "Fail")]
    [InlineData("everything", "Ignore")]
    public void The_validating_webhook_fails_as_webhook_failurePolicy_says_and_the_server_answers_the_same_way(string configuration, string failurePolicy)
    {
        var validating = Webhook(configuration, Validating);
        var server = RenderedChart.Of(configuration).OfKind("Deployment").Single(d => d.Name.EndsWith("-webhook", StringComparison.Ordinal));

        validating["failurePolicy"]!.GetValue<string>().ShouldBe(failurePolicy);
        validating.ContainsKey("reinvocationPolicy").ShouldBeFalse();
        validating["clientConfig"]!["service"]!["path"]!.GetValue<string>().ShouldBe("/validate");
        server.Args.ShouldContain($"--Admission:FailurePolicy={failurePolicy}");
    }

    [SkippableTheory]
    [MemberData(nameof(BothInEveryConfiguration))]
    public void Both_always_exclude_the_release_namespace_and_kube_system_besides_the_namespaces_values_add(string configuration, string kind)
    {
        var chart = RenderedChart.Of(configuration);
        var expressions = Webhook(configuration, kind)["namespaceSelector"]!["matchExpressions"]!.AsArray();
        var byName = expressions.Single(e => e!["key"]!.GetValue<string>() == "kubernetes.io/metadata.name")!;
        var optOutLabel = configuration == "everything" ? "example.com/no-guard" : "deadline-guard.io/ignore";
        var optOut = expressions.Single(e => e!["key"]!.GetValue<string>() == optOutLabel)!;
        var added = configuration == "everything" ? new[] { "legacy", "monitoring" } : ["kube-node-lease"];

        byName["operator"]!.GetValue<string>().ShouldBe("NotIn");
        Strings(byName["values"]).ShouldBe([chart.Configuration.Namespace, "kube-system", .. added]);
        optOut["operator"]!.GetValue<string>().ShouldBe("NotIn");
        Strings(optOut["values"]).ShouldBe(["true"]);
    }

    [SkippableFact]
    public void Each_has_one_named_match_condition_that_skips_the_Argo_controller_from_values()
    {
        // What the expressions decide is evaluated with a real CEL implementation in CelMatchConditionTests.
        foreach (var configuration in new[] { "selfManaged", "everything" })
        {
            var controller = configuration == "everything" ? "system:serviceaccount:argocd:argo-rollouts" : "system:serviceaccount:argo-rollouts:argo-rollouts";
            var mutating = Webhook(configuration, Mutating)["matchConditions"]!.AsArray().Single()!;
            var validating = Webhook(configuration, Validating)["matchConditions"]!.AsArray().Single()!;

            mutating["name"]!.GetValue<string>().ShouldBe("skip-argo-controller-unless-workload-generation-changed");
            validating["name"]!.GetValue<string>().ShouldBe("skip-argo-controller");
            mutating["expression"]!.GetValue<string>().ShouldContain($"'{controller}'");
            validating["expression"]!.GetValue<string>().ShouldBe($"request.userInfo.username != '{controller}'");
        }
    }

    [SkippableTheory]
    [MemberData(nameof(BothInEveryConfiguration))]
    public void The_caBundle_is_rendered_only_in_existingSecret_mode_and_cert_manager_injects_it_from_the_serving_Certificate(string configuration, string kind)
    {
        var chart = RenderedChart.Of(configuration);
        var webhookConfiguration = Configuration(configuration, kind);
        var clientConfig = webhookConfiguration.Body["webhooks"]![0]!["clientConfig"]!;
        var inject = webhookConfiguration.Annotation("cert-manager.io/inject-ca-from");

        switch (chart.Configuration.Mode)
        {
            case "existingSecret":
                Encoding.ASCII.GetString(Convert.FromBase64String(clientConfig["caBundle"]!.GetValue<string>())).ShouldStartWith("-----BEGIN CERTIFICATE-----");
                clientConfig["caBundle"]!.GetValue<string>().ShouldBe(ChartConfiguration.ExistingCaBundle);
                inject.ShouldBeNull();
                break;
            case "certManager":
                clientConfig["caBundle"].ShouldBeNull();
                var certificate = chart.OfKind("Certificate").Single(c => c.Template == "certificate-serving.yaml");
                inject.ShouldBe($"{certificate.Namespace}/{certificate.Name}");
                break;
            default:
                clientConfig["caBundle"].ShouldBeNull(); // the certificate Jobs and the reconciler write it; Helm must not reset it
                inject.ShouldBeNull();
                break;
        }

        webhookConfiguration.Annotation("argocd.argoproj.io/sync-wave").ShouldBe("1");
    }

    [SkippableTheory]
    [InlineData("selfManaged", 443)]
    [InlineData("everything", 8443)]
    public void Both_point_at_the_webhook_Service_by_name_namespace_and_port(string configuration, int port)
    {
        var chart = RenderedChart.Of(configuration);
        var service = chart.OfKind("Service").Single(s => s.Body["spec"]!["ports"]!.AsArray().Any(p => p!["name"]!.GetValue<string>() == "https"));
        var servicePort = service.Body["spec"]!["ports"]!.AsArray().Single()!;

        servicePort["port"]!.GetValue<int>().ShouldBe(port);
        servicePort["targetPort"]!.GetValue<string>().ShouldBe("https");
        foreach (var kind in new[] { Mutating, Validating })
        {
            var target = Webhook(configuration, kind)["clientConfig"]!["service"]!;
            target["name"]!.GetValue<string>().ShouldBe(service.Name);
            target["namespace"]!.GetValue<string>().ShouldBe(service.Namespace);
            target["port"]!.GetValue<int>().ShouldBe(port);
        }
    }
}

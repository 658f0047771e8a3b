using System.Text.Json.Nodes;

namespace DeadlineGuard.Tests.Chart;

/// <summary>The two webhook configurations: what they intercept, how they fail, and what they never see.</summary>
public sealed class WebhookConfigurationTests
{
    private static JsonObject Mutating => Webhook("mutatingwebhookconfiguration.yaml");

    private static JsonObject Validating => Webhook("validatingwebhookconfiguration.yaml");

    private static JsonObject Webhook(string template)
    {
        var configuration = ChartFiles.StaticObject(template);
        return configuration["webhooks"]!.AsArray().Single()!.AsObject();
    }

    private static string[] Strings(JsonNode? node) => node!.AsArray().Select(n => n!.GetValue<string>()).ToArray();

    private static readonly string[] Configurations = ["mutatingwebhookconfiguration.yaml", "validatingwebhookconfiguration.yaml"];

    public static TheoryData<string> Both => new(Configurations);

    [Theory]
    [MemberData(nameof(Both))]
    public void Both_intercept_Rollout_create_and_update_on_the_main_resource_only(string template)
    {
        var rule = Webhook(template)["rules"]!.AsArray().Single()!;

        Strings(rule["apiGroups"]).ShouldBe(["argoproj.io"]);
        Strings(rule["apiVersions"]).ShouldBe(["*"]);
        Strings(rule["resources"]).ShouldBe(["rollouts"]); // never rollouts/status: the controller writes it constantly
        Strings(rule["operations"]).ShouldBe(["CREATE", "UPDATE"]);
    }

    [Theory]
    [MemberData(nameof(Both))]
    public void Both_have_no_side_effects_match_equivalent_versions_and_speak_v1_and_v1beta1(string template)
    {
        var webhook = Webhook(template);

        webhook["sideEffects"]!.GetValue<string>().ShouldBe("None");
        webhook["matchPolicy"]!.GetValue<string>().ShouldBe("Equivalent");
        Strings(webhook["admissionReviewVersions"]).ShouldBe(["v1", "v1beta1"]);
        webhook["timeoutSeconds"]!.GetValue<int>().ShouldBe(5);
    }

    [Fact]
    public void The_mutating_webhook_fails_open_and_may_be_reinvoked()
    {
        Mutating["failurePolicy"]!.GetValue<string>().ShouldBe("Ignore");
        Mutating["reinvocationPolicy"]!.GetValue<string>().ShouldBe("IfNeeded");
        Mutating["clientConfig"]!["service"]!["path"]!.GetValue<string>().ShouldBe("/mutate");
    }

    [Fact]
    public void The_validating_webhook_fails_closed_by_default_and_the_server_answers_the_same_way()
    {
        Validating["failurePolicy"]!.GetValue<string>().ShouldBe("Fail");
        Validating.ContainsKey("reinvocationPolicy").ShouldBeFalse();
        Validating["clientConfig"]!["service"]!["path"]!.GetValue<string>().ShouldBe("/validate");
        ChartFiles.Template("validatingwebhookconfiguration.yaml").ShouldContain("failurePolicy: {{ .Values.webhook.failurePolicy }}");
        ChartFiles.Template("deployment-webhook.yaml").ShouldContain("\"--Admission:FailurePolicy=%s\" .Values.webhook.failurePolicy");
    }

    [Theory]
    [MemberData(nameof(Both))]
    public void Both_exclude_the_release_namespace_and_the_system_namespaces_and_honour_the_opt_out_label(string template)
    {
        var expressions = Webhook(template)["namespaceSelector"]!["matchExpressions"]!.AsArray();
        var byName = expressions.Single(e => e!["key"]!.GetValue<string>() == "kubernetes.io/metadata.name")!;
        var optOut = expressions.Single(e => e!["key"]!.GetValue<string>() == "deadline-guard.io/ignore")!;

        byName["operator"]!.GetValue<string>().ShouldBe("NotIn");
        optOut["operator"]!.GetValue<string>().ShouldBe("NotIn");
        Strings(optOut["values"]).ShouldBe(["true"]);
        ChartFiles.Template(template).ShouldContain("include \"deadline-guard.namespaceSelector\" .");

        // The NotIn list is the release namespace plus webhook.namespaceSelector.excludeNamespaces.
        var helper = ChartFiles.Defines["deadline-guard.namespaceSelector"];
        helper.ShouldContain("prepend .Values.webhook.namespaceSelector.excludeNamespaces .Release.Namespace");
        Strings(ChartFiles.Values["webhook"]!["namespaceSelector"]!["excludeNamespaces"]).ShouldBe(["kube-system", "kube-node-lease"]);
    }

    [Fact]
    public void The_mutating_webhook_skips_the_Argo_controller_unless_its_update_changes_the_workload_generation()
    {
        var condition = Mutating["matchConditions"]!.AsArray().Single()!;
        var cel = System.Text.RegularExpressions.Regex.Replace(condition["expression"]!.GetValue<string>(), @"\s+", " ");
        const string sa = "system:serviceaccount:argo-rollouts:argo-rollouts";
        const string annotation = "'rollout.argoproj.io/workload-generation'";

        cel.ShouldStartWith($"request.userInfo.username != '{sa}' || request.operation != 'UPDATE' || (");
        // An absent annotation (or no annotations at all) reads as '' on both sides, so adding or removing it counts as a change.
        cel.ShouldContain($"(has(object.metadata.annotations) && {annotation} in object.metadata.annotations ? object.metadata.annotations[{annotation}] : '')");
        cel.ShouldContain($"!= (has(oldObject.metadata.annotations) && {annotation} in oldObject.metadata.annotations ? oldObject.metadata.annotations[{annotation}] : '')");
        Balanced(cel).ShouldBeTrue();
    }

    [Fact]
    public void The_validating_webhook_skips_the_Argo_controller_entirely()
    {
        var condition = Validating["matchConditions"]!.AsArray().Single()!;

        condition["expression"]!.GetValue<string>().ShouldBe("request.userInfo.username != 'system:serviceaccount:argo-rollouts:argo-rollouts'");
        ChartFiles.Values["argoRollouts"]!["controllerServiceAccount"]!.GetValue<string>().ShouldBe("system:serviceaccount:argo-rollouts:argo-rollouts");
    }

    [Fact]
    public void The_caBundle_is_rendered_only_in_existingSecret_mode_and_injected_by_cert_manager_in_certManager_mode()
    {
        var clientConfig = ChartFiles.Defines["deadline-guard.clientConfig"];
        var annotations = ChartFiles.Defines["deadline-guard.webhookConfigurationAnnotations"];

        clientConfig.ShouldContain("{{- if eq .root.Values.certificates.mode \"existingSecret\" }}\ncaBundle:");
        annotations.ShouldContain("{{- if eq .Values.certificates.mode \"certManager\" }}\ncert-manager.io/inject-ca-from:");
        foreach (var template in Configurations)
        {
            ChartFiles.Template(template).ShouldContain("include \"deadline-guard.webhookConfigurationAnnotations\" .");
            ChartFiles.Template(template).ShouldContain("include \"deadline-guard.clientConfig\"");
        }
    }

    [Fact]
    public void Both_point_at_the_webhook_Service_on_its_HTTPS_port()
    {
        var service = ChartFiles.StaticObject("service.yaml");
        var port = service["spec"]!["ports"]!.AsArray().Single()!;

        port["port"]!.GetValue<int>().ShouldBe(443);
        port["targetPort"]!.GetValue<string>().ShouldBe("https");
        Mutating["clientConfig"]!["service"]!["port"]!.GetValue<int>().ShouldBe(443);
        Validating["clientConfig"]!["service"]!["port"]!.GetValue<int>().ShouldBe(443);
    }

    private static bool Balanced(string text)
    {
        var depth = 0;
        foreach (var c in text)
        {
            depth += c == '(' ? 1 : c == ')' ? -1 : 0;
            if (depth < 0)
            {
                return false;
            }
        }

        return depth == 0 && text.Count(c => c == '\'') % 2 == 0;
    }
}

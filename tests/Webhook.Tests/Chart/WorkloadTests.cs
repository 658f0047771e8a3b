using System.Text.Json.Nodes;

namespace DeadlineGuard.Tests.Chart;

/// <summary>The Deployments, Jobs and test Pod: the container contract with the program, availability and hardening.</summary>
public sealed class WorkloadTests
{
    private static JsonObject PodSpec(string template)
    {
        var root = ChartFiles.StaticObject(template);
        return (root["kind"]!.GetValue<string>() == "Pod" ? root["spec"] : root["spec"]!["template"]!["spec"])!.AsObject();
    }

    private static JsonObject Container(string template) => PodSpec(template)["containers"]!.AsArray().Single()!.AsObject();

    private static string[] Args(string template) => Container(template)["args"]!.AsArray().Select(a => a!.GetValue<string>()).ToArray();

    [Fact]
    public void The_webhook_container_serves_HTTPS_with_the_mounted_policy_and_certificate()
    {
        Args("deployment-webhook.yaml").ShouldBe(
        [
            "serve", "--urls", "https://0.0.0.0:8443", "--policy", "/etc/deadline-guard/policy.yaml",
            "--Tls:CertFile=/etc/deadline-guard/tls/tls.crt", "--Tls:KeyFile=/etc/deadline-guard/tls/tls.key",
            GoTemplateText.Placeholder, // --Admission:FailurePolicy=<webhook.failurePolicy>
            GoTemplateText.Placeholder, // each of webhook.extraArgs
        ]);
        var projected = PodSpec("deployment-webhook.yaml")["volumes"]!.AsArray().Single(v => v!["name"]!.GetValue<string>() == "config")!["projected"]!["sources"]!;
        var paths = projected.AsArray().SelectMany(s => (s!["configMap"] ?? s["secret"])!["items"]!.AsArray()).Select(i => i!["path"]!.GetValue<string>());
        paths.ShouldBe(["policy.yaml", "tls/tls.crt", "tls/tls.key"]);
    }

    [Fact]
    public void The_reconciler_container_gets_every_setting_from_values()
    {
        var args = Args("deployment-reconciler.yaml");
        var template = ChartFiles.Template("deployment-reconciler.yaml");

        args[..5].ShouldBe(["reconcile", "--urls", "http://0.0.0.0:8081", "--policy", "/etc/deadline-guard/policy.yaml"]);
        template.ShouldContain("\"--Reconciler:DryRun=%t\" .Values.reconciler.dryRun");
        template.ShouldContain("\"--Reconciler:GraceSeconds=%d\" (int .Values.reconciler.graceSeconds)");
        template.ShouldContain("\"--Reconciler:RepairStaleScaleDownDeadline=%t\" .Values.reconciler.repairStaleScaleDownDeadline");
        template.ShouldContain("\"--Reconciler:LeaseName=%s\" (include \"deadline-guard.leaseName\" .)");
        template.ShouldContain("range $i, $namespace := .Values.reconciler.namespaces");
        template.ShouldContain("\"--Reconciler:Namespaces:%d=%s\" $i $namespace");
        args.ShouldContain("--Certs:Enabled=true");
        foreach (var key in new[] { "Namespace", "ServiceName", "SecretName", "MutatingWebhook", "ValidatingWebhook" })
        {
            template.ShouldContain($"\"--Certs:{key}=%s\"");
        }
    }

    [Fact]
    public void The_certificate_Job_runs_the_certs_command_with_every_option()
    {
        var args = Args("job-certs.yaml");
        var job = ChartFiles.StaticObject("job-certs.yaml");

        args[0].ShouldBe("certs");
        args.Where(a => a.StartsWith("--", StringComparison.Ordinal)).ShouldBe(
        [
            "--namespace", "--service", "--secret", "--mutating-webhook", "--validating-webhook",
            "--ca-validity-days", "--cert-validity-days", "--renew-before-days",
        ]);
        var hooks = job["metadata"]!["annotations"]!["helm.sh/hook"]!.GetValue<string>();
        ChartFiles.Defines["deadline-guard.certsHooks"].Split(',').ShouldContain("pre-install");
        ChartFiles.Defines["deadline-guard.certsHooks"].Split(',').ShouldContain("pre-upgrade");
        hooks.ShouldBe(GoTemplateText.Placeholder);
        job["metadata"]!["annotations"]!["helm.sh/hook-delete-policy"]!.GetValue<string>().ShouldBe("before-hook-creation");
        PodSpec("job-certs.yaml")["serviceAccountName"]!.GetValue<string>().ShouldBe(GoTemplateText.Placeholder);
        ChartFiles.Template("job-certs.yaml").ShouldContain("include \"deadline-guard.certsJobServiceAccountName\" .");
    }

    public static TheoryData<string> Pods => new(
        "deployment-webhook.yaml", "deployment-reconciler.yaml", "job-certs.yaml", "job-pre-delete.yaml", "tests/pod-validate.yaml");

    [Theory]
    [MemberData(nameof(Pods))]
    public void Every_pod_runs_hardened(string template)
    {
        var pod = PodSpec(template)["securityContext"]!;
        var container = Container(template)["securityContext"]!;

        pod["runAsNonRoot"]!.GetValue<bool>().ShouldBeTrue();
        pod["runAsUser"]!.GetValue<int>().ShouldBe(64198);
        pod["seccompProfile"]!["type"]!.GetValue<string>().ShouldBe("RuntimeDefault");
        container["runAsNonRoot"]!.GetValue<bool>().ShouldBeTrue();
        container["runAsUser"]!.GetValue<int>().ShouldBe(64198);
        container["readOnlyRootFilesystem"]!.GetValue<bool>().ShouldBeTrue();
        container["allowPrivilegeEscalation"]!.GetValue<bool>().ShouldBeFalse();
        container["capabilities"]!["drop"]!.AsArray().Select(c => c!.GetValue<string>()).ShouldBe(["ALL"]);
        container["seccompProfile"]!["type"]!.GetValue<string>().ShouldBe("RuntimeDefault");
        Container(template)["resources"].ShouldNotBeNull();
        // A read-only root needs a writable /tmp for anything the runtime or a tool writes there.
        Container(template)["volumeMounts"]!.AsArray().ShouldContain(m => m!["mountPath"]!.GetValue<string>() == "/tmp");
    }

    [Theory]
    [InlineData("deployment-webhook.yaml", "https", "HTTPS")]
    [InlineData("deployment-reconciler.yaml", "http-metrics", null)]
    public void Probes_use_healthz_for_liveness_and_readyz_for_readiness(string template, string port, string? scheme)
    {
        var container = Container(template);

        container["livenessProbe"]!["httpGet"]!["path"]!.GetValue<string>().ShouldBe("/healthz");
        container["readinessProbe"]!["httpGet"]!["path"]!.GetValue<string>().ShouldBe("/readyz");
        container["livenessProbe"]!["httpGet"]!["port"]!.GetValue<string>().ShouldBe(port);
        container["readinessProbe"]!["httpGet"]!["port"]!.GetValue<string>().ShouldBe(port);
        container["readinessProbe"]!["httpGet"]!["scheme"]?.GetValue<string>().ShouldBe(scheme);
        container["ports"]!.AsArray().Single()!["containerPort"]!.GetValue<int>().ShouldBe(port == "https" ? 8443 : 8081);
        var env = container["env"]!.AsArray().ToDictionary(e => e!["name"]!.GetValue<string>(), e => e!["valueFrom"]!["fieldRef"]!["fieldPath"]!.GetValue<string>());
        env.ShouldBe(new Dictionary<string, string> { ["POD_NAMESPACE"] = "metadata.namespace", ["POD_NAME"] = "metadata.name" });
    }

    [Fact]
    public void The_webhook_stays_available_through_its_own_rollouts_and_disruptions()
    {
        var deployment = ChartFiles.StaticObject("deployment-webhook.yaml");
        var spec = PodSpec("deployment-webhook.yaml");

        deployment["spec"]!["replicas"]!.GetValue<int>().ShouldBe(3);
        deployment["spec"]!["strategy"]!["rollingUpdate"]!["maxUnavailable"]!.GetValue<int>().ShouldBe(0);
        deployment["spec"]!["strategy"]!["rollingUpdate"]!["maxSurge"]!.GetValue<int>().ShouldBe(1);
        Container("deployment-webhook.yaml")["lifecycle"]!["preStop"]!["sleep"]!["seconds"]!.GetValue<int>().ShouldBe(5);
        spec["terminationGracePeriodSeconds"]!.GetValue<int>().ShouldBeGreaterThan(5);
        spec["topologySpreadConstraints"]!.AsArray().ShouldNotBeEmpty();
        ChartFiles.StaticObject("poddisruptionbudget-webhook.yaml")["spec"]!["maxUnavailable"]!.GetValue<int>().ShouldBe(1);
        ChartFiles.StaticObject("deployment-reconciler.yaml")["spec"]!["replicas"]!.GetValue<int>().ShouldBe(2);
        ChartFiles.Template("deployment-webhook.yaml").ShouldContain("priorityClassName");
        ChartFiles.Template("deployment-reconciler.yaml").ShouldContain("priorityClassName");
    }

    [Fact]
    public void The_pre_delete_hook_deletes_both_webhook_configurations_first()
    {
        var job = ChartFiles.StaticObject("job-pre-delete.yaml");
        var args = Args("job-pre-delete.yaml");

        job["metadata"]!["annotations"]!["helm.sh/hook"]!.GetValue<string>().ShouldBe("pre-delete");
        args[0].ShouldBe("delete");
        args.ShouldContain("--ignore-not-found");
        ChartFiles.Template("job-pre-delete.yaml").ShouldContain("\"mutatingwebhookconfiguration/%s\"");
        ChartFiles.Template("job-pre-delete.yaml").ShouldContain("\"validatingwebhookconfiguration/%s\"");
        Container("job-pre-delete.yaml")["image"]!.GetValue<string>().ShouldBe(GoTemplateText.Placeholder);
        ChartFiles.Values["preDelete"]!["image"]!["tag"]!.GetValue<string>().ShouldStartWith("v1.");
    }

    [Fact]
    public void The_helm_test_posts_a_review_to_validate_with_the_CA_and_checks_allowed()
    {
        var pod = ChartFiles.StaticObject("tests/pod-validate.yaml");
        var script = Container("tests/pod-validate.yaml")["args"]!.AsArray().Single()!.GetValue<string>();

        pod["metadata"]!["annotations"]!["helm.sh/hook"]!.GetValue<string>().ShouldBe("test");
        script.ShouldContain("--cacert /tmp/ca.crt");
        script.ShouldContain("\"kind\":\"AdmissionReview\"");
        script.ShouldContain("grep -q '\"allowed\":true'");
        ChartFiles.Template("tests/pod-validate.yaml").ShouldContain("printf \"https://%s:%d/validate\" (include \"deadline-guard.serviceHost\" .)");
        ChartFiles.Values["tests"]!["image"]!["tag"]!.GetValue<string>().ShouldNotBe("latest");
    }
}

using System.Text.Json.Nodes;

namespace DeadlineGuard.Tests.Chart;

/// <summary>The Deployments, Jobs and test Pod as helm renders them: the contract with the program, availability and hardening.</summary>
public sealed class WorkloadTests
{
    public static TheoryData<string> Configurations => ChartConfiguration.AllNames;

    private static RenderedObject Deployment(string configuration, string component) =>
        RenderedChart.Of(configuration).OfKind("Deployment").Single(d => d.Name.EndsWith("-" + component, StringComparison.Ordinal));

    [SkippableTheory]
    [InlineData("selfManaged", "Fail", new string[0])]
    [InlineData("everything", "Ignore", new[] { "--Serilog:MinimumLevel:Default=Warning" })]
    public void The_webhook_container_serves_HTTPS_with_the_mounted_policy_and_certificate(string configuration, string failurePolicy, string[] extraArgs)
    {
        var webhook = Deployment(configuration, "webhook");

        webhook.Args.ShouldBe(
        [
            "serve", "--urls", "https://0.0.0.0:8443", "--policy", "/etc/deadline-guard/policy.yaml",
            "--Tls:CertFile=/etc/deadline-guard/tls/tls.crt", "--Tls:KeyFile=/etc/deadline-guard/tls/tls.key",
            $"--Admission:FailurePolicy={failurePolicy}",
            $"--Pitfalls:ReconcilerRunning={(configuration == "selfManaged" ? "true" : "false")}", .. extraArgs,
        ]);
        var projected = webhook.PodSpec!["volumes"]!.AsArray().Single(v => v!["name"]!.GetValue<string>() == "config")!["projected"]!["sources"]!;
        var paths = projected.AsArray().SelectMany(s => (s!["configMap"] ?? s["secret"])!["items"]!.AsArray()).Select(i => i!["path"]!.GetValue<string>());
        paths.ShouldBe(["policy.yaml", "tls/tls.crt", "tls/tls.key"]);
        webhook.Container["volumeMounts"]!.AsArray().ShouldContain(m => m!["name"]!.GetValue<string>() == "config" && m["mountPath"]!.GetValue<string>() == "/etc/deadline-guard");
    }

    public static TheoryData<string, string, string[]> ReconcilerCoverages => new()
    {
        // name, values on top of the default install, the webhook's Pitfalls arguments
        { "the chart's reconciler, every namespace", "{}", ["--Pitfalls:ReconcilerRunning=true"] },
        {
            "the chart's reconciler, two namespaces", """{"reconciler": {"namespaces": ["team-a", "team-b"]}}""",
            ["--Pitfalls:ReconcilerRunning=true", "--Pitfalls:ReconcilerNamespaces:0=team-a", "--Pitfalls:ReconcilerNamespaces:1=team-b"]
        },
        { "a reconciler in dry run aborts nothing", """{"reconciler": {"dryRun": true}}""", ["--Pitfalls:ReconcilerRunning=false"] },
        { "no reconciler", """{"reconciler": {"enabled": false}}""", ["--Pitfalls:ReconcilerRunning=false"] },
        { "absent whatever the chart runs", """{"webhook": {"reconcilerCoverage": "absent"}}""", ["--Pitfalls:ReconcilerRunning=false"] },
        {
            "running elsewhere, in every namespace", """{"webhook": {"reconcilerCoverage": "running"}, "reconciler": {"enabled": false, "namespaces": ["team-a"]}}""",
            ["--Pitfalls:ReconcilerRunning=true"]
        },
    };

    [SkippableTheory]
    [MemberData(nameof(ReconcilerCoverages))]
    public void The_webhook_is_told_where_a_reconciler_acts_for_the_pitfalls_it_covers(string name, string values, string[] expected)
    {
        var configuration = ChartConfiguration.SelfManaged.With("coverage: " + name, JsonNode.Parse(values)!.AsObject());

        var webhook = RenderedChart.Of(configuration).OfKind("Deployment").Single(d => d.Name.EndsWith("-webhook", StringComparison.Ordinal));

        webhook.Args.Where(a => a.StartsWith("--Pitfalls:", StringComparison.Ordinal)).ShouldBe(expected, name);
    }

    [SkippableFact]
    public void The_reconciler_container_gets_every_setting_from_values()
    {
        var chart = RenderedChart.Of("everything");
        var reconciler = Deployment("everything", "reconciler");
        var prefix = "guard-rollout-deadline-guard";

        reconciler.Args.ShouldBe(
        [
            "reconcile", "--urls", "http://0.0.0.0:8081", "--policy", "/etc/deadline-guard/policy.yaml",
            "--Reconciler:DryRun=true", "--Reconciler:GraceSeconds=45", "--Reconciler:RepairStaleScaleDownDeadline=true",
            "--Reconciler:LeaseName=guard-leader", "--Reports:Enabled=true", "--Reports:Format=OpenReports", "--Reconciler:Namespaces:0=team-a", "--Reconciler:Namespaces:1=team-b",
            "--Certs:Enabled=true", "--Certs:Namespace=platform", $"--Certs:ServiceName={prefix}", $"--Certs:SecretName={prefix}-tls",
            $"--Certs:MutatingWebhook={prefix}", $"--Certs:ValidatingWebhook={prefix}",
            "--Serilog:MinimumLevel:Default=Information",
        ]);
        chart.OfKind("Service").Select(s => s.Name).ShouldContain(prefix);
        chart.OfKind("MutatingWebhookConfiguration").Single().Name.ShouldBe(prefix);
        Deployment("selfManaged", "reconciler").Args.ShouldContain("--Reconciler:LeaseName=deadline-guard-rollout-deadline-guard-reconciler");
        Deployment("certManager", "reconciler").Args.ShouldNotContain(a => a.StartsWith("--Certs:", StringComparison.Ordinal));
    }

    [SkippableTheory]
    [InlineData("selfManaged")]
    [InlineData("long-selfManaged")]
    public void The_certificate_Jobs_run_certs_for_the_Service_Secret_and_configurations_the_chart_renders(string configuration)
    {
        var chart = RenderedChart.Of(configuration);
        var jobs = chart.OfKind("Job").Where(j => j.Command == "certs").ToList();
        var service = chart.OfKind("Service").Single(s => s.Body["spec"]!["ports"]![0]!["name"]!.GetValue<string>() == "https");
        var secret = TlsSecret(chart);

        jobs.Select(j => (j.Annotation("helm.sh/hook"), Option(j, "--webhook-configurations"))).ShouldBe(
            [("pre-install,pre-upgrade", "optional"), ("post-install,post-upgrade", "required")], ignoreOrder: true);
        foreach (var job in jobs)
        {
            Option(job, "--namespace").ShouldBe(chart.Configuration.Namespace);
            Option(job, "--service").ShouldBe(service.Name);
            Option(job, "--secret").ShouldBe(secret);
            Option(job, "--mutating-webhook").ShouldBe(chart.OfKind("MutatingWebhookConfiguration").Single().Name);
            Option(job, "--validating-webhook").ShouldBe(chart.OfKind("ValidatingWebhookConfiguration").Single().Name);
            (Option(job, "--ca-validity-days"), Option(job, "--cert-validity-days"), Option(job, "--renew-before-days")).ShouldBe(("3650", "365", "30"));
            job.Annotation("helm.sh/hook-delete-policy").ShouldBe("before-hook-creation");
            job.PodSpec!["serviceAccountName"]!.GetValue<string>().ShouldBe(chart.OfKind("ServiceAccount").Single(a => a.IsHook && a.Name.EndsWith("-certs", StringComparison.Ordinal)).Name);
            job.PodSpec!["restartPolicy"]!.GetValue<string>().ShouldBe("Never");
        }
    }

    [SkippableTheory]
    [MemberData(nameof(Configurations))]
    public void Every_pod_runs_hardened_with_a_writable_tmp_and_HOME_there(string configuration)
    {
        var pods = RenderedChart.Of(configuration).Objects.Where(o => o.PodSpec is not null).ToList();

        pods.ShouldNotBeEmpty();
        foreach (var pod in pods)
        {
            var security = pod.PodSpec!["securityContext"]!;
            security["runAsNonRoot"]!.GetValue<bool>().ShouldBeTrue(pod.ToString());
            security["runAsUser"]!.GetValue<int>().ShouldBe(64198, pod.ToString());
            security["seccompProfile"]!["type"]!.GetValue<string>().ShouldBe("RuntimeDefault", pod.ToString());
            foreach (var container in pod.Containers)
            {
                var context = container["securityContext"]!;
                context["runAsNonRoot"]!.GetValue<bool>().ShouldBeTrue(pod.ToString());
                context["readOnlyRootFilesystem"]!.GetValue<bool>().ShouldBeTrue(pod.ToString());
                context["allowPrivilegeEscalation"]!.GetValue<bool>().ShouldBeFalse(pod.ToString());
                context["capabilities"]!["drop"]!.AsArray().Select(c => c!.GetValue<string>()).ShouldBe(["ALL"], pod.ToString());
                context["seccompProfile"]!["type"]!.GetValue<string>().ShouldBe("RuntimeDefault", pod.ToString());
                container["resources"]!["limits"]!["memory"].ShouldNotBeNull(pod.ToString());
                container["volumeMounts"]!.AsArray().ShouldContain(m => m!["mountPath"]!.GetValue<string>() == "/tmp", pod.ToString());
                pod.PodSpec!["volumes"]!.AsArray().ShouldContain(v => v!["name"]!.GetValue<string>() == "tmp" && v["emptyDir"] != null, pod.ToString());
                // The .NET runtime (and kubectl, curl) need a writable HOME; the root file system is read-only.
                var env = container["env"]?.AsArray() ?? [];
                env.Where(e => e!["name"]!.GetValue<string>() == "HOME").Select(e => e!["value"]!.GetValue<string>()).ShouldBe(["/tmp"], pod.ToString());
            }
        }
    }

    [SkippableTheory]
    [InlineData("webhook", "https", "HTTPS", 8443)]
    [InlineData("reconciler", "http-metrics", null, 8081)]
    public void Probes_use_healthz_for_liveness_and_readyz_for_readiness(string component, string port, string? scheme, int containerPort)
    {
        var container = Deployment("selfManaged", component).Container;

        container["livenessProbe"]!["httpGet"]!["path"]!.GetValue<string>().ShouldBe("/healthz");
        container["readinessProbe"]!["httpGet"]!["path"]!.GetValue<string>().ShouldBe("/readyz");
        container["livenessProbe"]!["httpGet"]!["port"]!.GetValue<string>().ShouldBe(port);
        container["readinessProbe"]!["httpGet"]!["port"]!.GetValue<string>().ShouldBe(port);
        container["readinessProbe"]!["httpGet"]!["scheme"]?.GetValue<string>().ShouldBe(scheme);
        container["ports"]!.AsArray().Single()!["containerPort"]!.GetValue<int>().ShouldBe(containerPort);
        var fields = container["env"]!.AsArray().Where(e => e!["valueFrom"] is not null)
            .ToDictionary(e => e!["name"]!.GetValue<string>(), e => e!["valueFrom"]!["fieldRef"]!["fieldPath"]!.GetValue<string>());
        fields.ShouldBe(new Dictionary<string, string> { ["POD_NAMESPACE"] = "metadata.namespace", ["POD_NAME"] = "metadata.name" });
    }

    [SkippableFact]
    public void The_webhook_stays_available_through_its_own_rollouts_and_disruptions()
    {
        var chart = RenderedChart.Of("selfManaged");
        var webhook = Deployment("selfManaged", "webhook");
        var pdb = chart.OfKind("PodDisruptionBudget").Single(p => p.Name.EndsWith("-webhook", StringComparison.Ordinal));

        webhook.Body["spec"]!["replicas"]!.GetValue<int>().ShouldBe(3);
        webhook.Body["spec"]!["strategy"]!["rollingUpdate"]!["maxUnavailable"]!.GetValue<int>().ShouldBe(0);
        webhook.Body["spec"]!["strategy"]!["rollingUpdate"]!["maxSurge"]!.GetValue<int>().ShouldBe(1);
        webhook.Container["lifecycle"]!["preStop"]!["sleep"]!["seconds"]!.GetValue<int>().ShouldBe(5);
        webhook.PodSpec!["terminationGracePeriodSeconds"]!.GetValue<int>().ShouldBe(30);
        webhook.PodSpec!["topologySpreadConstraints"]!.AsArray().Select(t => t!["topologyKey"]!.GetValue<string>())
            .ShouldBe(["kubernetes.io/hostname", "topology.kubernetes.io/zone"]);
        pdb.Body["spec"]!["maxUnavailable"]!.GetValue<int>().ShouldBe(1);
        JsonNode.DeepEquals(pdb.Body["spec"]!["selector"], webhook.Body["spec"]!["selector"]).ShouldBeTrue();
        Deployment("selfManaged", "reconciler").Body["spec"]!["replicas"]!.GetValue<int>().ShouldBe(2);
        Deployment("everything", "webhook").PodSpec!["priorityClassName"]!.GetValue<string>().ShouldBe("system-cluster-critical");
        var minimal = Deployment("minimal", "webhook");
        minimal.Container["lifecycle"].ShouldBeNull();
        minimal.PodSpec!["topologySpreadConstraints"].ShouldBeNull();
        RenderedChart.Of("minimal").OfKind("PodDisruptionBudget").ShouldBeEmpty();
    }

    [SkippableTheory]
    [InlineData("selfManaged", true)]
    [InlineData("certManager", false)]
    public void The_pre_delete_hook_deletes_both_webhook_configurations_first_then_the_Secrets_certs_made(string configuration, bool certsSecrets)
    {
        var chart = RenderedChart.Of(configuration);
        var job = chart.OfKind("Job").Single(j => j.HookEvents.Contains("pre-delete"));
        var prefix = chart.OfKind("MutatingWebhookConfiguration").Single().Name;
        var secret = TlsSecret(chart);

        job.Args.ShouldBe(
        [
            "delete", $"mutatingwebhookconfiguration/{prefix}", $"validatingwebhookconfiguration/{prefix}",
            .. certsSecrets ? new[] { $"secret/{secret}", $"secret/{secret}-ca" } : [],
            "--namespace", chart.Configuration.Namespace, "--ignore-not-found", "--wait=false",
        ]);
        job.Container["image"]!.GetValue<string>().ShouldStartWith("registry.k8s.io/kubectl:v1.");
        RenderedChart.Of("minimal").Objects.ShouldNotContain(o => o.HookEvents.Contains("pre-delete"));
    }

    [SkippableTheory]
    [InlineData("selfManaged")]
    [InlineData("existingSecret")]
    [InlineData("everything")]
    public void The_helm_test_posts_a_review_to_the_validating_webhook_with_the_CA_and_checks_it_is_allowed(string configuration)
    {
        var chart = RenderedChart.Of(configuration);
        var pod = chart.OfKind("Pod").Single(p => p.HookEvents.Contains("test"));
        var script = pod.Args.Single();
        var service = chart.OfKind("Service").Single(s => s.Body["spec"]!["ports"]![0]!["name"]!.GetValue<string>() == "https");
        var port = service.Body["spec"]!["ports"]![0]!["port"]!.GetValue<int>();

        script.ShouldContain($"https://{service.Name}.{service.Namespace}.svc:{port}/validate");
        script.ShouldContain("--cacert /tmp/ca.crt");
        script.ShouldContain("\"kind\":\"AdmissionReview\"");
        script.ShouldContain("grep -q '\"allowed\":true'");
        pod.Container["image"]!.GetValue<string>().ShouldNotEndWith(":latest");
        if (chart.Configuration.Mode == "existingSecret")
        {
            pod.Container["env"]!.AsArray().ShouldContain(e => e!["name"]!.GetValue<string>() == "CA_BUNDLE");
        }
        else
        {
            pod.PodSpec!["volumes"]!.AsArray().Single(v => v!["name"]!.GetValue<string>() == "tls")!["secret"]!["items"]!.AsArray()
                .Select(i => i!["key"]!.GetValue<string>()).ShouldBe(["ca.crt"]); // only the CA, never the key
        }
    }

    private static string TlsSecret(RenderedChart chart) =>
        Deployment(chart.Configuration.Name, "webhook").PodSpec!["volumes"]!.AsArray()
            .SelectMany(v => v!["projected"]?["sources"]?.AsArray() ?? [])
            .Select(s => s!["secret"]?["name"]?.GetValue<string>())
            .Single(n => n is not null)!;

    private static string Option(RenderedObject job, string flag) => job.Args.SkipWhile(a => a != flag).Skip(1).First();
}

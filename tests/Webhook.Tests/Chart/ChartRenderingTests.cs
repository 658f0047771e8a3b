using System.Text.Json.Nodes;

namespace DeadlineGuard.Tests.Chart;

/// <summary>
/// The chart as the real helm lints and renders it, in every configuration of <see cref="ChartConfiguration.All"/>:
/// well-formed objects, every name and label within the API server's limits, bad values refused with a reason.
/// </summary>
public sealed class ChartRenderingTests
{
    public static TheoryData<string> Configurations => ChartConfiguration.AllNames;

    /// <summary>
    /// `helm lint --strict` renders with missingkey=error, so this also proves that every value a template reads
    /// exists in values.yaml (in the branches the configuration takes).
    /// </summary>
    [SkippableTheory]
    [MemberData(nameof(Configurations))]
    public void Helm_lint_strict_passes(string configuration)
    {
        _ = HelmTool.Binary;

        var outcome = RenderedChart.Helm("lint", ChartConfiguration.Named(configuration));

        outcome.ExitCode.ShouldBe(0, outcome.Stdout + outcome.Stderr);
        outcome.Stdout.ShouldContain("1 chart(s) linted, 0 chart(s) failed");
    }

    [SkippableTheory]
    [MemberData(nameof(Configurations))]
    public void Every_rendered_document_is_a_Kubernetes_object_with_a_name_from_a_template(string configuration)
    {
        var chart = RenderedChart.Of(configuration);

        chart.Objects.ShouldNotBeEmpty();
        chart.Objects.ShouldAllBe(o => o.Body["apiVersion"] is JsonValue && o.Body["kind"] is JsonValue && o.Body["metadata"]!["name"] is JsonValue);
        chart.Objects.ShouldAllBe(o => o.Source.StartsWith("rollout-deadline-guard/templates/", StringComparison.Ordinal));
        chart.Objects.GroupBy(o => (o.Kind, o.Namespace, o.Name)).Where(g => g.Count() > 1).Select(g => g.Key.ToString()).ShouldBeEmpty("two objects with one name");
    }

    [SkippableTheory]
    [MemberData(nameof(Configurations))]
    public void Every_name_and_label_fits_the_limits_the_API_server_enforces_for_its_kind(string configuration)
    {
        var chart = RenderedChart.Of(configuration);

        chart.Objects.SelectMany(o => KubernetesNameRules.Problems(o.Body)).ShouldBeEmpty();
    }

    [SkippableFact]
    public void The_longest_release_and_namespace_keep_every_name_within_63_characters()
    {
        var chart = RenderedChart.Of(ChartConfiguration.LongSelfManaged);
        var longest = chart.Objects.MaxBy(o => o.Name.Length)!;

        longest.Name.Length.ShouldBeLessThanOrEqualTo(KubernetesNameRules.LabelMax, longest.ToString());
        chart.OfKind("Service").ShouldAllBe(s => s.Name.StartsWith("deadline-guard-staging-eu-west-rollout-deadl", StringComparison.Ordinal));
        chart.OfKind("Service").Select(s => s.Name).ShouldContain("deadline-guard-staging-eu-west-rollout-deadl-reconciler-metrics");
    }

    [SkippableFact]
    public void Every_manifest_template_renders_in_some_configuration()
    {
        var rendered = ChartConfiguration.All.SelectMany(c => RenderedChart.Of(c).Objects).Select(o => o.Template).ToHashSet(StringComparer.Ordinal);

        ChartFiles.ManifestNames.Except(rendered).ShouldBeEmpty("a template no tested configuration renders is tested by nothing");
    }

    [SkippableFact]
    public void Every_template_is_named_after_the_kind_it_renders()
    {
        var objects = ChartConfiguration.All.SelectMany(c => RenderedChart.Of(c).Objects).Where(o => !o.Template.StartsWith("tests/", StringComparison.Ordinal));

        foreach (var obj in objects)
        {
            Path.GetFileName(obj.Template).ShouldStartWith(obj.Kind.ToLowerInvariant(), customMessage: obj.ToString());
        }
    }

    public static TheoryData<string, string, string> BadValues => new()
    {
        { "a typo in a key", """{"webhook": {"replica": 3}}""", "replica" },
        { "a preStop sleep as long as the grace period", """{"webhook": {"preStopSleepSeconds": 30, "terminationGracePeriodSeconds": 30}}""", "webhook.terminationGracePeriodSeconds must be greater than webhook.preStopSleepSeconds" },
        { "existingSecret mode without the Secret's name", """{"certificates": {"mode": "existingSecret", "existingSecret": {"caBundle": "eA=="}}}""", "certificates.existingSecret.name is required" },
        { "existingSecret mode without the CA bundle", """{"certificates": {"mode": "existingSecret", "existingSecret": {"name": "tls"}}}""", "certificates.existingSecret.caBundle (base64 PEM) is required" },
        { "a name prefix that cannot name a Service", """{"fullnameOverride": "9-lives"}""", "must be lowercase letters, digits and '-', starting with a letter" },
    };

    [SkippableTheory]
    [MemberData(nameof(BadValues))]
    public void Bad_values_fail_the_render_with_a_message_naming_the_problem(string why, string values, string message)
    {
        _ = HelmTool.Binary;
        var configuration = ChartConfiguration.SelfManaged.With("bad: " + why, JsonNode.Parse(values)!.AsObject());

        var outcome = RenderedChart.Helm("template", configuration);

        outcome.ExitCode.ShouldNotBe(0, why);
        outcome.Stderr.ShouldContain(message, Case.Sensitive, why);
    }
}

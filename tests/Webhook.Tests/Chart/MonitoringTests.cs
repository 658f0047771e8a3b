using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using DeadlineGuard.Tests.Support;

namespace DeadlineGuard.Tests.Chart;

/// <summary>The Grafana dashboard and ServiceMonitors: they chart only series the program exports, and every one of them.</summary>
public sealed partial class MonitoringTests
{
    private static readonly string DashboardPath = Path.Combine(ChartFiles.Directory, "dashboards", "rollout-deadline-guard.json");

    /// <summary>The series the program defines: the first argument of every CreateCounter/Gauge/Histogram in src/.</summary>
    private static HashSet<string> ExportedSeries() => Directory
        .EnumerateFiles(Path.Combine(TestPaths.RepositoryRoot, "src", "Webhook"), "*.cs", SearchOption.AllDirectories)
        .SelectMany(f => MetricDefinition().Matches(File.ReadAllText(f)).Select(m => m.Groups["name"].Value))
        .ToHashSet(StringComparer.Ordinal);

    private static IEnumerable<string> Expressions(JsonNode dashboard) => dashboard["panels"]!.AsArray()
        .SelectMany(p => p!["targets"]?.AsArray() ?? [])
        .Select(t => t!["expr"]!.GetValue<string>());

    [Fact]
    public void The_dashboard_is_valid_JSON_with_a_stable_uid()
    {
        var dashboard = JsonNode.Parse(File.ReadAllText(DashboardPath))!;

        dashboard["uid"]!.GetValue<string>().ShouldBe("rollout-deadline-guard");
        Expressions(dashboard).ShouldNotBeEmpty();
    }

    [Fact]
    public void The_dashboard_queries_only_series_the_program_exports()
    {
        var exported = ExportedSeries();
        var dashboard = JsonNode.Parse(File.ReadAllText(DashboardPath))!;
        var queried = Expressions(dashboard)
            .SelectMany(e => SeriesName().Matches(e).Select(m => m.Value))
            .Select(name => HistogramSuffix().Replace(name, string.Empty))
            .ToHashSet(StringComparer.Ordinal);

        exported.ShouldNotBeEmpty();
        queried.Except(exported).ShouldBeEmpty();
    }

    [Fact]
    public void The_dashboard_charts_every_series_the_program_exports()
    {
        var dashboard = File.ReadAllText(DashboardPath);

        ExportedSeries().Where(name => !dashboard.Contains(name, StringComparison.Ordinal)).ShouldBeEmpty();
    }

    [SkippableFact]
    public void The_dashboard_ConfigMap_carries_the_Grafana_sidecar_label_and_the_file_and_exists_only_when_enabled()
    {
        var dashboard = RenderedChart.Of("everything").OfKind("ConfigMap").Single(c => c.Name.EndsWith("-dashboard", StringComparison.Ordinal));

        dashboard.Labels["grafana_dashboard"]!.GetValue<string>().ShouldBe("1");
        JsonNode.DeepEquals(
            JsonNode.Parse(dashboard.Body["data"]!["rollout-deadline-guard.json"]!.GetValue<string>()),
            JsonNode.Parse(File.ReadAllText(DashboardPath))).ShouldBeTrue();
        RenderedChart.Of("selfManaged").OfKind("ConfigMap").ShouldNotContain(c => c.Name.EndsWith("-dashboard", StringComparison.Ordinal));
    }

    [SkippableFact]
    public void The_ServiceMonitors_scrape_both_components_on_their_own_ports_and_verify_the_webhook_with_its_CA()
    {
        var chart = RenderedChart.Of("everything");
        var monitors = chart.OfKind("ServiceMonitor");
        var webhook = monitors.Single(m => m.Name.EndsWith("-webhook", StringComparison.Ordinal));
        var reconciler = monitors.Single(m => m.Name.EndsWith("-reconciler", StringComparison.Ordinal));
        var webhookEndpoint = webhook.Body["spec"]!["endpoints"]!.AsArray().Single()!;
        var reconcilerEndpoint = reconciler.Body["spec"]!["endpoints"]!.AsArray().Single()!;
        var metricsService = chart.OfKind("Service").Single(s => s.Name.EndsWith("-reconciler-metrics", StringComparison.Ordinal));

        webhook.ApiVersion.ShouldBe("monitoring.coreos.com/v1");
        webhookEndpoint["port"]!.GetValue<string>().ShouldBe("https");
        webhookEndpoint["scheme"]!.GetValue<string>().ShouldBe("https");
        webhookEndpoint["path"]!.GetValue<string>().ShouldBe("/metrics");
        webhookEndpoint["tlsConfig"]!["ca"]!["secret"]!["key"]!.GetValue<string>().ShouldBe("ca.crt");
        webhookEndpoint["tlsConfig"]!["serverName"]!.GetValue<string>().ShouldBe("guard-rollout-deadline-guard.platform.svc");
        reconcilerEndpoint["port"]!.GetValue<string>().ShouldBe("http-metrics");
        reconcilerEndpoint["path"]!.GetValue<string>().ShouldBe("/metrics");
        metricsService.Body["spec"]!["ports"]!.AsArray().Single()!["name"]!.GetValue<string>().ShouldBe("http-metrics");
        monitors.ShouldAllBe(m => m.Labels["release"]!.GetValue<string>() == "prometheus");
        RenderedChart.Of("selfManaged").OfKind("ServiceMonitor").ShouldBeEmpty();
    }

    [GeneratedRegex(@"Create(?:Counter|Gauge|Histogram|Summary)\(\s*""(?<name>deadline_guard_[a-z0-9_]+)""")]
    private static partial Regex MetricDefinition();

    [GeneratedRegex(@"deadline_guard_[a-z0-9_]+")]
    private static partial Regex SeriesName();

    [GeneratedRegex(@"_(bucket|sum|count)$")]
    private static partial Regex HistogramSuffix();
}

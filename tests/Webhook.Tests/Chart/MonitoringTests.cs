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

    [Fact]
    public void The_dashboard_ConfigMap_carries_the_Grafana_sidecar_label_and_the_file()
    {
        var template = ChartFiles.Template("configmap-dashboard.yaml");

        ChartFiles.Values["metrics"]!["dashboard"]!["labels"]!["grafana_dashboard"]!.GetValue<string>().ShouldBe("1");
        template.ShouldContain(".Files.Get \"dashboards/rollout-deadline-guard.json\"");
        template.ShouldStartWith("{{- if .Values.metrics.dashboard.enabled }}");
    }

    [Fact]
    public void The_ServiceMonitors_scrape_both_components_on_their_own_ports()
    {
        var webhook = ChartFiles.StaticObject("servicemonitor-webhook.yaml")["spec"]!["endpoints"]!.AsArray().Single()!;
        var reconciler = ChartFiles.StaticObject("servicemonitor-reconciler.yaml")["spec"]!["endpoints"]!.AsArray().Single()!;

        webhook["port"]!.GetValue<string>().ShouldBe("https");
        webhook["scheme"]!.GetValue<string>().ShouldBe("https");
        webhook["path"]!.GetValue<string>().ShouldBe("/metrics");
        reconciler["port"]!.GetValue<string>().ShouldBe("http-metrics");
        reconciler["path"]!.GetValue<string>().ShouldBe("/metrics");
        ChartFiles.StaticObject("servicemonitor-webhook.yaml")["apiVersion"]!.GetValue<string>().ShouldBe("monitoring.coreos.com/v1");
        ChartFiles.StaticObject("service-reconciler-metrics.yaml")["spec"]!["ports"]!.AsArray().Single()!["name"]!.GetValue<string>().ShouldBe("http-metrics");
    }

    [GeneratedRegex(@"Create(?:Counter|Gauge|Histogram|Summary)\(\s*""(?<name>deadline_guard_[a-z0-9_]+)""")]
    private static partial Regex MetricDefinition();

    [GeneratedRegex(@"deadline_guard_[a-z0-9_]+")]
    private static partial Regex SeriesName();

    [GeneratedRegex(@"_(bucket|sum|count)$")]
    private static partial Regex HistogramSuffix();
}

using System.Collections.Frozen;
using DeadlineGuard.Pitfalls;
using Prometheus;

namespace DeadlineGuard.Observability;

/// <summary>The Prometheus series the webhook exports; one registry per process (tests get their own).</summary>
public sealed class WebhookMetrics
{
    /// <summary>Up to the API server's 10 s webhook timeout, with detail in the sub-millisecond range where reviews live.</summary>
    public static readonly double[] LatencyBuckets =
        [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    public WebhookMetrics(CollectorRegistry registry)
    {
        Registry = registry;
        var factory = Metrics.WithCustomRegistry(registry);
        string[] labels = ["endpoint", "operation", "decision"];
        Requests = factory.CreateCounter(
            "deadline_guard_admission_requests_total",
            "Admission reviews answered, by endpoint, operation and decision.",
            labels);
        Duration = factory.CreateHistogram(
            "deadline_guard_admission_duration_seconds",
            "Time from receiving an admission review to the end of its answer, by endpoint, operation and decision.",
            new HistogramConfiguration { LabelNames = labels, Buckets = LatencyBuckets });
        Violations = factory.CreateCounter(
            "deadline_guard_policy_violations_total",
            "Rule violations found by /validate, by field and action taken.",
            "field", "action");
        Pitfalls = factory.CreateCounter(
            "deadline_guard_admission_pitfalls_total",
            "Pitfalls (docs/pitfalls.md) reported as warnings by /validate, by pitfall id; ignored and reconciler-covered ones are not counted.",
            "id");
        PolicyReloads = factory.CreateCounter(
            "deadline_guard_policy_reloads_total",
            "Policy file load attempts with a new outcome, by result (success or failure); a repeat of the last outcome is not counted again.",
            "result");
        PolicyLastReloadSuccessful = factory.CreateGauge(
            "deadline_guard_policy_last_reload_successful",
            "1 when the last attempt to load the policy file succeeded (content identical to the policy in force included), 0 when it failed and the previous policy stayed in force.");
        PitfallSeries = PitfallCatalog.All.ToFrozenDictionary(d => d.Id, d => Pitfalls.WithLabels(d.Id), StringComparer.Ordinal);
    }

    /// <summary>The series of <see cref="Pitfalls"/> for each catalogued id, made once: a label lookup per request allocates.</summary>
    public FrozenDictionary<string, Counter.Child> PitfallSeries { get; }

    public CollectorRegistry Registry { get; }

    public Counter Requests { get; }

    public Histogram Duration { get; }

    public Counter Violations { get; }

    /// <summary>By pitfall id; every catalogued id's series exists from the start, at 0.</summary>
    public Counter Pitfalls { get; }

    public Counter PolicyReloads { get; }

    public Gauge PolicyLastReloadSuccessful { get; }
}

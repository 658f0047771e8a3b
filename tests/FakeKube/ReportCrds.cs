using System.Text.Json;
using System.Text.Json.Nodes;

namespace DeadlineGuard.Tests.Support.FakeKube;

/// <summary>
/// The two policy report CRDs as the fake API server serves them once "installed" (<see cref="FakeKubeApiServer.Register"/>),
/// each with the part of its OpenAPI schema the API server enforces on what a writer sends (read in the CRDs
/// themselves): kubernetes-sigs/wg-policy-prototypes policy-report/crd/v1alpha2/wgpolicyk8s.io_policyreports.yaml
/// (version v1alpha2) and openreports/reports-api config/crd/openreports.io_reports.yaml (v1alpha1). Both declare
/// <c>results[].policy</c> required; <c>result</c> one of pass, fail, warn, error, skip; <c>severity</c> one of
/// critical, high, low, medium, info; <c>scored</c> a boolean; <c>timestamp</c> an object with required integer
/// <c>seconds</c> and <c>nanos</c>; <c>resources</c> a list of object references; <c>properties</c> a map of strings;
/// <c>summary</c>'s five counts integers. openreports adds a report-level <c>source</c> string. Neither has a status
/// subresource. A violation is refused with 422, as the API server refuses it.
/// </summary>
public static class ReportCrds
{
    private static readonly string[] Results = ["pass", "fail", "warn", "error", "skip"];
    private static readonly string[] Severities = ["critical", "high", "low", "medium", "info"];

    public static FakeKubeResource PolicyReports { get; } =
        new("wgpolicyk8s.io", "v1alpha2", "policyreports", "PolicyReport", Namespaced: true) { Validate = Check };

    public static FakeKubeResource OpenReports { get; } =
        new("openreports.io", "v1alpha1", "reports", "Report", Namespaced: true) { Validate = Check };

    /// <summary>The field errors of a report, worded as the API server words them.</summary>
    public static IReadOnlyList<string> Check(JsonObject report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var problems = new List<string>();
        if (report["source"] is { } source && source.GetValueKind() != JsonValueKind.String)
        {
            problems.Add($"source: Invalid value: \"{source.GetValueKind().ToString().ToLowerInvariant()}\": source in body must be of type string");
        }

        if (report["summary"] is { } summary)
        {
            if (summary is not JsonObject counts)
            {
                problems.Add("summary: Invalid value: summary in body must be of type object");
            }
            else
            {
                foreach (var (key, value) in counts)
                {
                    if (key is "pass" or "fail" or "warn" or "error" or "skip" && !IsInteger(value))
                    {
                        problems.Add($"summary.{key}: Invalid value: summary.{key} in body must be of type integer");
                    }
                }
            }
        }

        if (report["results"] is { } results)
        {
            if (results is not JsonArray items)
            {
                problems.Add("results: Invalid value: results in body must be of type array");
                return problems;
            }

            for (var i = 0; i < items.Count; i++)
            {
                CheckResult(items[i], $"results[{i}]", problems);
            }
        }

        return problems;
    }

    private static void CheckResult(JsonNode? node, string at, List<string> problems)
    {
        if (node is not JsonObject result)
        {
            problems.Add($"{at}: Invalid value: {at} in body must be of type object");
            return;
        }

        if (result["policy"] is null)
        {
            problems.Add($"{at}.policy: Required value");
        }

        foreach (var field in new[] { "policy", "rule", "category", "message", "source" })
        {
            if (result[field] is { } value && value.GetValueKind() != JsonValueKind.String)
            {
                problems.Add($"{at}.{field}: Invalid value: {at}.{field} in body must be of type string");
            }
        }

        Enum(result["result"], $"{at}.result", Results, problems);
        Enum(result["severity"], $"{at}.severity", Severities, problems);
        if (result["scored"] is { } scored && scored.GetValueKind() is not (JsonValueKind.True or JsonValueKind.False))
        {
            problems.Add($"{at}.scored: Invalid value: {at}.scored in body must be of type boolean");
        }

        if (result["timestamp"] is { } timestamp)
        {
            if (timestamp is not JsonObject stamp)
            {
                problems.Add($"{at}.timestamp: Invalid value: {at}.timestamp in body must be of type object");
            }
            else
            {
                foreach (var field in new[] { "seconds", "nanos" })
                {
                    if (stamp[field] is null)
                    {
                        problems.Add($"{at}.timestamp.{field}: Required value");
                    }
                    else if (!IsInteger(stamp[field]))
                    {
                        problems.Add($"{at}.timestamp.{field}: Invalid value: {at}.timestamp.{field} in body must be of type integer");
                    }
                }
            }
        }

        if (result["resources"] is { } resources && (resources is not JsonArray list || list.Any(r => r is not JsonObject)))
        {
            problems.Add($"{at}.resources: Invalid value: {at}.resources in body must be a list of objects");
        }

        if (result["properties"] is { } properties && (properties is not JsonObject map || map.Any(p => p.Value?.GetValueKind() != JsonValueKind.String)))
        {
            problems.Add($"{at}.properties: Invalid value: {at}.properties in body must be a map of strings");
        }
    }

    private static void Enum(JsonNode? node, string at, string[] allowed, List<string> problems)
    {
        if (node is null)
        {
            return;
        }

        if (node.GetValueKind() != JsonValueKind.String || !allowed.Contains(node.GetValue<string>()))
        {
            problems.Add($"{at}: Unsupported value: {node.ToJsonString()}: supported values: {string.Join(", ", allowed.Select(a => $"\"{a}\""))}");
        }
    }

    private static bool IsInteger(JsonNode? node) =>
        node is JsonValue value && value.GetValueKind() == JsonValueKind.Number && (value.TryGetValue<long>(out _) || value.TryGetValue<int>(out _));
}

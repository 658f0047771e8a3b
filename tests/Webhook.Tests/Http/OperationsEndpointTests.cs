using System.Net;
using DeadlineGuard.Tests.Support;

namespace DeadlineGuard.Tests.Http;

/// <summary>GET /healthz, /readyz and /metrics in process.</summary>
public sealed class OperationsEndpointTests(DefaultPolicyWebhook webhook) : IClassFixture<DefaultPolicyWebhook>
{
    private readonly HttpClient _client = webhook.Client;

    [Fact]
    public async Task Healthz_answers_200()
    {
        using var response = await _client.GetAsync("/healthz");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Readyz_answers_200_once_the_certificate_and_policy_are_loaded()
    {
        using var response = await _client.GetAsync("/readyz");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await response.Content.ReadAsStringAsync()).ShouldBe("ready\n");
    }

    [Fact]
    public async Task Metrics_count_reviews_by_endpoint_operation_and_decision_and_time_them_up_to_10_seconds()
    {
        await _client.ReviewAsync("/mutate", Reviews.Review(Reviews.Rollout()));
        await _client.ReviewAsync("/validate", Reviews.Review(MutateContractTests.WithFields(Reviews.Rollout(), 10, true), "UPDATE", Reviews.Rollout()));

        var text = await _client.GetStringAsync("/metrics");

        text.ShouldContain("# TYPE deadline_guard_admission_requests_total counter");
        text.ShouldContain("deadline_guard_admission_requests_total{endpoint=\"mutate\",operation=\"CREATE\",decision=\"patched\"}");
        text.ShouldContain("deadline_guard_admission_requests_total{endpoint=\"validate\",operation=\"UPDATE\",decision=\"denied\"}");
        text.ShouldContain("# TYPE deadline_guard_admission_duration_seconds histogram");
        text.ShouldContain("deadline_guard_admission_duration_seconds_bucket{endpoint=\"mutate\",operation=\"CREATE\",decision=\"patched\",le=\"10\"}");
    }
}

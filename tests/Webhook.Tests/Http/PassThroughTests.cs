using System.Text.Json.Nodes;
using DeadlineGuard.Tests.Support;

namespace DeadlineGuard.Tests.Http;

/// <summary>Requests the policy does not judge are allowed untouched by both endpoints.</summary>
public sealed class PassThroughTests(DefaultPolicyWebhook webhook) : IClassFixture<DefaultPolicyWebhook>
{
    private readonly HttpClient _client = webhook.Client;

    public static TheoryData<string, JsonObject> Untouched => new()
    {
        { "a Deployment create", Reviews.Review(Deployment(), group: "apps", kind: "Deployment") },
        { "a Rollout-named kind of another group", Reviews.Review(Reviews.Rollout(), group: "example.com") },
        { "an AnalysisRun create", Reviews.Review(Reviews.Rollout(), kind: "AnalysisRun") },
        { "a Rollout delete", Delete() },
        { "a Rollout connect", Reviews.Review(null, "CONNECT") },
        { "a Rollout status update", Reviews.Review(Reviews.Rollout(), "UPDATE", Reviews.Rollout(), subResource: "status") },
        { "a Rollout scale update", Reviews.Review(Reviews.Rollout(), "UPDATE", Reviews.Rollout(), subResource: "scale") },
    };

    [Theory]
    [MemberData(nameof(Untouched))]
    public async Task Mutate_allows_it_with_no_patch(string name, JsonObject review)
    {
        var answer = await _client.ReviewAsync("/mutate", review);

        AssertUntouched(name, answer);
    }

    [Theory]
    [MemberData(nameof(Untouched))]
    public async Task Validate_allows_it_with_no_patch(string name, JsonObject review)
    {
        var answer = await _client.ReviewAsync("/validate", review);

        AssertUntouched(name, answer);
    }

    private static void AssertUntouched(string name, ReviewAnswer answer)
    {
        answer.Allowed.ShouldBeTrue(name);
        answer.HasPatch.ShouldBeFalse(name);
        answer.Response.ContainsKey("patchType").ShouldBeFalse(name);
        answer.Response.ContainsKey("status").ShouldBeFalse(name);
        answer.Warnings.ShouldBeEmpty(name);
        answer.Uid.ShouldBe("0b7f3a2e-1111-4c5d-9e8f-000000000001", name);
    }

    private static JsonObject Deployment()
    {
        var deployment = Reviews.Rollout();
        deployment["apiVersion"] = "apps/v1";
        deployment["kind"] = "Deployment";
        return deployment;
    }

    /// <summary>A DELETE carries the Rollout in oldObject and null in object.</summary>
    private static JsonObject Delete()
    {
        var review = Reviews.Review(null, "DELETE", Reviews.Rollout());
        review["request"]!["options"] = new JsonObject { ["apiVersion"] = "meta.k8s.io/v1", ["kind"] = "DeleteOptions" };
        return review;
    }
}

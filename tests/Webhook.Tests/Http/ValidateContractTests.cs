using System.Text.Json.Nodes;
using DeadlineGuard.Tests.Support;
using static DeadlineGuard.Tests.Http.MutateContractTests;

namespace DeadlineGuard.Tests.Http;

/// <summary>POST /validate over HTTP under the built-in policy (bounds 30-3600, abort required, action Deny).</summary>
public sealed class ValidateContractTests(DefaultPolicyWebhook webhook) : IClassFixture<DefaultPolicyWebhook>
{
    private readonly HttpClient _client = webhook.Client;

    public static TheoryData<string, JsonObject> AnyRollout => new()
    {
        { "create missing both fields", Reviews.Review(Reviews.Rollout()) },
        { "create within the policy", Reviews.Review(WithFields(Reviews.Rollout(), 600, true)) },
        { "create breaking the bounds", Reviews.Review(WithFields(Reviews.Rollout(), 10, false)) },
        { "update missing both fields", Reviews.Review(Reviews.Rollout(), "UPDATE", WithFields(Reviews.Rollout(), 600, true)) },
        { "v1beta1 create missing both fields", Reviews.Review(Reviews.Rollout(), apiVersion: "admission.k8s.io/v1beta1") },
    };

    [Theory]
    [MemberData(nameof(AnyRollout))]
    public async Task Validate_never_returns_a_patch(string name, JsonObject review)
    {
        var answer = await _client.ReviewAsync("/validate", review);

        answer.HasPatch.ShouldBeFalse(name);
        answer.Response.ContainsKey("patchType").ShouldBeFalse(name);
    }

    [Theory]
    [InlineData("below the minimum", 10, true, "spec.progressDeadlineSeconds", "is 10", "at least 30")]
    [InlineData("above the maximum", 7200, true, "spec.progressDeadlineSeconds", "is 7200", "at most 3600")]
    [InlineData("abort disabled", 600, false, "spec.progressDeadlineAbort", "is false", "must be true")]
    public async Task A_rollout_breaking_the_policy_is_denied_with_403_naming_the_field_the_value_and_the_requirement(
        string name, int deadline, bool abort, string field, string found, string required)
    {
        var answer = await _client.ReviewAsync("/validate", Reviews.Review(WithFields(Reviews.Rollout(), deadline, abort)));

        answer.Allowed.ShouldBeFalse(name);
        answer.Status.ShouldNotBeNull(name);
        answer.Status["code"]!.GetValue<int>().ShouldBe(403, name);
        var message = answer.Status["message"]!.GetValue<string>();
        message.ShouldContain($"{field} {found}", Case.Sensitive, name);
        message.ShouldContain(required, Case.Sensitive, name);
        message.ShouldContain("team-a/web", Case.Sensitive, name);
    }

    [Fact]
    public async Task A_rollout_breaking_two_rules_is_denied_with_both_named_in_one_message()
    {
        var answer = await _client.ReviewAsync("/validate", Reviews.Review(WithFields(Reviews.Rollout(), 10, false)));

        var message = answer.Status!["message"]!.GetValue<string>();
        message.ShouldContain("spec.progressDeadlineSeconds is 10");
        message.ShouldContain("spec.progressDeadlineAbort is false");
        message.ShouldNotContain("\n");
    }

    [Fact]
    public async Task A_deadline_not_above_min_ready_seconds_is_denied_as_argo_would_reject_it_later()
    {
        var rollout = WithMinReady(WithFields(Reviews.Rollout(), 120, true), 300);

        var answer = await _client.ReviewAsync("/validate", Reviews.Review(rollout));

        answer.Allowed.ShouldBeFalse();
        answer.Status!["message"]!.GetValue<string>().ShouldContain("greater than spec.minReadySeconds (300)");
    }

    [Fact]
    public async Task A_rollout_within_the_policy_is_allowed_without_status_or_warnings()
    {
        var answer = await _client.ReviewAsync("/validate", Reviews.Review(WithFields(Reviews.PitfallFree(), 600, true)));

        answer.Allowed.ShouldBeTrue();
        answer.Response.ContainsKey("status").ShouldBeFalse();
        answer.Warnings.ShouldBeEmpty();
    }
}

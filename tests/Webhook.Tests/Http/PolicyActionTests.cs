using DeadlineGuard.Tests.Support;
using static DeadlineGuard.Tests.Http.MutateContractTests;

namespace DeadlineGuard.Tests.Http;

/// <summary>Action Warn, read from a policy file: violations are allowed and reported as kubectl warnings.</summary>
public sealed class WarnActionTests(WarnPolicyWebhook webhook) : IClassFixture<WarnPolicyWebhook>
{
    private readonly HttpClient _client = webhook.Client;

    [Fact]
    public async Task A_violation_is_allowed_with_one_warning_per_broken_rule_each_under_120_characters()
    {
        var answer = await _client.ReviewAsync("/validate", Reviews.Review(WithFields(Reviews.PitfallFree(), 10, false)));

        answer.Allowed.ShouldBeTrue();
        answer.Response.ContainsKey("status").ShouldBeFalse();
        answer.HasDeadlinePatch.ShouldBeFalse();
        answer.Warnings.Count.ShouldBe(2);
        answer.Warnings.ShouldContain(w => w.Contains("spec.progressDeadlineSeconds is 10", StringComparison.Ordinal));
        answer.Warnings.ShouldContain(w => w.Contains("spec.progressDeadlineAbort is false", StringComparison.Ordinal));
        answer.Warnings.ShouldAllBe(w => w.Length < 120);
    }

    [Fact]
    public async Task A_warning_about_a_very_long_found_value_is_still_under_120_characters()
    {
        var rollout = WithFields(Reviews.Rollout(), null, true);
        rollout["spec"]!["progressDeadlineSeconds"] = new string('9', 5000) + "x";

        var answer = await _client.ReviewAsync("/validate", Reviews.Review(rollout));

        answer.Allowed.ShouldBeTrue();
        answer.Warnings.ShouldNotBeEmpty();
        answer.Warnings.ShouldAllBe(w => w.Length < 120);
    }

    [Fact]
    public async Task A_rollout_within_the_policy_gets_no_warning()
    {
        var answer = await _client.ReviewAsync("/validate", Reviews.Review(WithFields(Reviews.PitfallFree(), 600, true)));

        answer.Allowed.ShouldBeTrue();
        answer.Warnings.ShouldBeEmpty();
    }

    [Fact]
    public async Task Mutation_still_injects_the_defaults()
    {
        var answer = await _client.ReviewAsync("/mutate", Reviews.Review(Reviews.Rollout()));

        Operations(answer.DeadlinePatch).ShouldBe(["add /spec/progressDeadlineSeconds 600", "add /spec/progressDeadlineAbort true"], ignoreOrder: true);
    }
}

/// <summary>Action Audit, read from a policy file: violations are allowed silently and recorded in auditAnnotations.</summary>
public sealed class AuditActionTests(AuditPolicyWebhook webhook) : IClassFixture<AuditPolicyWebhook>
{
    private readonly HttpClient _client = webhook.Client;

    [Fact]
    public async Task A_violation_is_allowed_without_warnings_and_recorded_in_audit_annotations()
    {
        var answer = await _client.ReviewAsync("/validate", Reviews.Review(WithFields(Reviews.PitfallFree(), 7200, true)));

        answer.Allowed.ShouldBeTrue();
        answer.Response.ContainsKey("status").ShouldBeFalse();
        answer.Warnings.ShouldBeEmpty();
        answer.AuditAnnotations.ShouldNotBeNull();
        answer.AuditAnnotations.Select(a => a.Value!.GetValue<string>())
            .ShouldContain(v => v.Contains("spec.progressDeadlineSeconds is 7200", StringComparison.Ordinal) && v.Contains("at most 3600", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_rollout_within_the_policy_gets_no_audit_annotation()
    {
        var answer = await _client.ReviewAsync("/validate", Reviews.Review(WithFields(Reviews.Rollout(), 600, true)));

        answer.Allowed.ShouldBeTrue();
        answer.Response.ContainsKey("auditAnnotations").ShouldBeFalse();
    }
}

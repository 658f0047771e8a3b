using System.Text.Json.Nodes;
using DeadlineGuard.Tests.Support;
using static DeadlineGuard.Tests.Http.MutateContractTests;

namespace DeadlineGuard.Tests.Http;

/// <summary>The deadline-guard.io/exempt annotation under the built-in policy (honoured in sandbox-* only, with a reason).</summary>
public sealed class ExemptionAnnotationTests(DefaultPolicyWebhook webhook) : IClassFixture<DefaultPolicyWebhook>
{
    private const string Annotation = "deadline-guard.io/exempt";
    private readonly HttpClient _client = webhook.Client;

    [Theory]
    [InlineData("sandbox-alice")]
    [InlineData("sandbox-")]
    public async Task An_exemption_with_a_reason_in_an_allowed_namespace_is_honoured(string @namespace)
    {
        var bare = Exempted(Reviews.Rollout(@namespace: @namespace), "load test, owner alice");
        var breaking = Exempted(WithFields(Reviews.Rollout(@namespace: @namespace), 5, false), "load test, owner alice");

        var mutation = await _client.ReviewAsync("/mutate", Reviews.Review(bare));
        var validation = await _client.ReviewAsync("/validate", Reviews.Review(breaking));

        mutation.Allowed.ShouldBeTrue();
        mutation.HasDeadlinePatch.ShouldBeFalse();
        validation.Allowed.ShouldBeTrue();
        validation.Warnings.ShouldBeEmpty();
        validation.AuditAnnotations!["exempt"]!.GetValue<string>().ShouldBe("load test, owner alice");
    }

    [Theory]
    [InlineData("outside the allowed namespaces", "team-a", "load test", "is not honoured in namespace team-a")]
    [InlineData("outside the allowed namespaces, similar name", "my-sandbox-a", "load test", "is not honoured in namespace my-sandbox-a")]
    [InlineData("with an empty reason", "sandbox-alice", "", "needs a reason")]
    [InlineData("with a blank reason", "sandbox-alice", "   ", "needs a reason")]
    public async Task An_exemption_that_is_not_honoured_leaves_the_policy_in_force_and_says_why(string name, string @namespace, string reason, string warning)
    {
        var bare = Exempted(Reviews.Rollout(@namespace: @namespace), reason);
        var breaking = Exempted(WithFields(Reviews.Rollout(@namespace: @namespace), 5, true), reason);

        var mutation = await _client.ReviewAsync("/mutate", Reviews.Review(bare));
        var validation = await _client.ReviewAsync("/validate", Reviews.Review(breaking));

        Operations(mutation.DeadlinePatch).ShouldBe(["add /spec/progressDeadlineSeconds 600", "add /spec/progressDeadlineAbort true"], ignoreOrder: true, name);
        mutation.Warnings.ShouldContain(w => w.Contains(warning, StringComparison.Ordinal), name);
        validation.Allowed.ShouldBeFalse(name);
        validation.Status!["message"]!.GetValue<string>().ShouldContain("spec.progressDeadlineSeconds is 5", Case.Sensitive, name);
        validation.Warnings.ShouldContain(w => w.Contains(warning, StringComparison.Ordinal), name);
        mutation.Warnings.Concat(validation.Warnings).ShouldAllBe(w => w.Length < 120, name);
    }

    [Fact]
    public async Task A_non_string_exemption_value_is_not_a_reason()
    {
        var rollout = Reviews.Rollout(@namespace: "sandbox-alice");
        rollout["metadata"]!["annotations"] = new JsonObject { [Annotation] = true };

        var mutation = await _client.ReviewAsync("/mutate", Reviews.Review(rollout));

        mutation.HasPatch.ShouldBeTrue();
        mutation.Warnings.ShouldContain(w => w.Contains("needs a reason", StringComparison.Ordinal));
    }

    private static JsonObject Exempted(JsonObject rollout, string reason)
    {
        rollout["metadata"]!["annotations"] = new JsonObject { [Annotation] = reason };
        return rollout;
    }
}

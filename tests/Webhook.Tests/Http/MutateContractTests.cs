using System.Text.Json.Nodes;
using DeadlineGuard.Tests.Support;

namespace DeadlineGuard.Tests.Http;

/// <summary>POST /mutate over HTTP: what the API server receives for Rollout writes under the built-in policy.</summary>
public sealed class MutateContractTests(DefaultPolicyWebhook webhook) : IClassFixture<DefaultPolicyWebhook>
{
    private readonly HttpClient _client = webhook.Client;

    [Fact]
    public async Task A_rollout_create_gets_a_json_patch_adding_the_default_deadline_and_abort()
    {
        var answer = await _client.ReviewAsync("/mutate", Reviews.Review(Reviews.Rollout()));

        answer.Allowed.ShouldBeTrue();
        answer.PatchType.ShouldBe("JSONPatch");
        Operations(answer.DeadlinePatch).ShouldBe(
            ["add /spec/progressDeadlineSeconds 600", "add /spec/progressDeadlineAbort true"], ignoreOrder: true);
    }

    [Fact]
    public async Task The_response_echoes_the_request_uid()
    {
        const string Uid = "5d0c8e51-2b1f-4f39-a3a0-7d2f6c1e9b44";

        var answer = await _client.ReviewAsync("/mutate", Reviews.Review(Reviews.Rollout(), uid: Uid));

        answer.Uid.ShouldBe(Uid);
    }

    [Theory]
    [InlineData("/mutate", "admission.k8s.io/v1")]
    [InlineData("/mutate", "admission.k8s.io/v1beta1")]
    [InlineData("/validate", "admission.k8s.io/v1")]
    [InlineData("/validate", "admission.k8s.io/v1beta1")]
    public async Task The_response_is_an_admission_review_in_the_version_the_request_used(string endpoint, string apiVersion)
    {
        var answer = await _client.ReviewAsync(endpoint, Reviews.Review(Reviews.Rollout(), apiVersion: apiVersion));

        answer.Review["apiVersion"]!.GetValue<string>().ShouldBe(apiVersion);
        answer.Review["kind"]!.GetValue<string>().ShouldBe("AdmissionReview");
        answer.Uid.ShouldBe("0b7f3a2e-1111-4c5d-9e8f-000000000001");
    }

    [Fact]
    public async Task A_rollout_with_both_fields_gets_no_patch_and_no_patch_type()
    {
        // An UPDATE that starts no revision: nothing for the deadline policy or the history to write.
        var rollout = WithFields(Reviews.Rollout(), 120, false);
        var answer = await _client.ReviewAsync("/mutate", Reviews.Review(rollout, "UPDATE", rollout.DeepClone().AsObject()));

        answer.Allowed.ShouldBeTrue();
        answer.HasPatch.ShouldBeFalse();
        answer.Response.ContainsKey("patchType").ShouldBeFalse();
    }

    [Fact]
    public async Task Mutate_never_changes_a_value_the_rollout_already_has_even_when_it_breaks_the_policy()
    {
        var rollout = Reviews.Rollout();
        rollout["spec"]!["progressDeadlineSeconds"] = 5;

        var answer = await _client.ReviewAsync("/mutate", Reviews.Review(rollout));

        answer.Allowed.ShouldBeTrue();
        Operations(answer.DeadlinePatch).ShouldBe(["add /spec/progressDeadlineAbort true"]);
    }

    public static TheoryData<string, JsonObject, string, JsonObject?> IdempotenceCases => new()
    {
        { "create with neither field", Reviews.Rollout(), "CREATE", null },
        { "create with only the abort flag", WithFields(Reviews.Rollout(), null, false), "CREATE", null },
        { "create with only the deadline", WithFields(Reviews.Rollout(), 90, null), "CREATE", null },
        { "create with minReadySeconds above the default", WithMinReady(Reviews.Rollout(), 700), "CREATE", null },
        { "update of a rollout that lost both fields", Reviews.Rollout(), "UPDATE", WithFields(Reviews.Rollout(), 600, true) },
    };

    [Theory]
    [MemberData(nameof(IdempotenceCases))]
    public async Task Mutating_the_result_of_a_mutation_again_yields_no_patch(string name, JsonObject rollout, string operation, JsonObject? oldObject)
    {
        var first = await _client.ReviewAsync("/mutate", Reviews.Review(rollout, operation, oldObject));
        first.HasPatch.ShouldBeTrue(name);
        var patched = JsonPatchApplier.Apply(rollout, first.Patch)!.AsObject();

        var second = await _client.ReviewAsync("/mutate", Reviews.Review(patched, operation, oldObject?.DeepClone().AsObject()));

        second.Allowed.ShouldBeTrue(name);
        second.HasPatch.ShouldBeFalse(name);
        second.Response.ContainsKey("patchType").ShouldBeFalse(name);
    }

    [Theory]
    [InlineData(0, 600)]
    [InlineData(100, 600)]
    [InlineData(599, 600)]
    [InlineData(600, 601)]
    [InlineData(700, 701)]
    [InlineData(3599, 3600)]
    public async Task The_injected_deadline_is_above_min_ready_seconds_as_argo_requires(int minReadySeconds, int injected)
    {
        var answer = await _client.ReviewAsync("/mutate", Reviews.Review(WithMinReady(Reviews.Rollout(), minReadySeconds)));

        Operations(answer.DeadlinePatch).ShouldContain($"add /spec/progressDeadlineSeconds {injected}");
    }

    [Fact]
    public async Task No_deadline_is_injected_when_no_value_within_bounds_exceeds_min_ready_seconds_and_validate_explains_why()
    {
        var rollout = WithMinReady(Reviews.Rollout(), 3600);

        var mutation = await _client.ReviewAsync("/mutate", Reviews.Review(rollout));
        var patched = JsonPatchApplier.Apply(rollout, mutation.Patch)!.AsObject();
        var validation = await _client.ReviewAsync("/validate", Reviews.Review(patched));

        Operations(mutation.DeadlinePatch).ShouldBe(["add /spec/progressDeadlineAbort true"]);
        validation.Allowed.ShouldBeFalse();
        validation.Status!["message"]!.GetValue<string>().ShouldContain("spec.progressDeadlineSeconds is missing");
    }

    [Theory]
    [InlineData("/mutate")]
    [InlineData("/validate")]
    public async Task A_dry_run_request_gets_the_same_answer_as_a_real_one(string endpoint)
    {
        foreach (var rollout in new[] { Reviews.Rollout(), WithFields(Reviews.Rollout(), 10, false), WithFields(Reviews.Rollout(), 600, true) })
        {
            var real = await _client.ReviewAsync(endpoint, Reviews.Review(rollout.DeepClone().AsObject(), dryRun: false));
            var dryRun = await _client.ReviewAsync(endpoint, Reviews.Review(rollout.DeepClone().AsObject(), dryRun: true));

            dryRun.Review.ToJsonString().ShouldBe(real.Review.ToJsonString());
        }
    }

    [Fact]
    public async Task A_rollout_in_an_exempt_namespace_is_left_untouched()
    {
        var rollout = WithFields(Reviews.Rollout(@namespace: "kube-system"), 5, false);
        var bare = Reviews.Rollout(@namespace: "kube-system");

        var mutation = await _client.ReviewAsync("/mutate", Reviews.Review(bare));
        var validation = await _client.ReviewAsync("/validate", Reviews.Review(rollout));

        mutation.Allowed.ShouldBeTrue();
        mutation.HasPatch.ShouldBeFalse();
        mutation.Warnings.ShouldBeEmpty();
        validation.Allowed.ShouldBeTrue();
        validation.Warnings.ShouldBeEmpty();
    }

    internal static JsonObject WithFields(JsonObject rollout, int? deadline, bool? abort)
    {
        var spec = rollout["spec"]!.AsObject();
        if (deadline is { } seconds)
        {
            spec["progressDeadlineSeconds"] = seconds;
        }

        if (abort is { } value)
        {
            spec["progressDeadlineAbort"] = value;
        }

        return rollout;
    }

    internal static JsonObject WithMinReady(JsonObject rollout, int seconds)
    {
        rollout["spec"]!["minReadySeconds"] = seconds;
        return rollout;
    }

    /// <summary>Each operation as "op path value", to compare patches as text.</summary>
    internal static string[] Operations(JsonArray patch) =>
        patch.Select(o => $"{o!["op"]} {o["path"]} {o["value"]?.ToJsonString()}".TrimEnd()).ToArray();
}

using System.Text.Json.Nodes;
using DeadlineGuard.Admission;
using DeadlineGuard.Policy;
using DeadlineGuard.Tests.Support;

namespace DeadlineGuard.Tests.Admission;

public sealed class RolloutMutatorTests
{
    private static readonly EffectivePolicy Policy = PolicyResolver.Base(DeadlinePolicy.BuiltIn);

    [Theory]
    [InlineData(0, 600)]
    [InlineData(599, 600)]
    [InlineData(600, 601)] // the default is not above minReadySeconds: the smallest compliant value
    [InlineData(700, 701)]
    [InlineData(3599, 3600)]
    public void The_injected_deadline_always_exceeds_minReadySeconds(int minReadySeconds, int expected) =>
        RolloutMutator.DeadlineToInject(Policy, minReadySeconds).ShouldBe(expected);

    [Theory]
    [InlineData(3600)]
    [InlineData(int.MaxValue)]
    public void No_deadline_is_injected_when_no_value_within_bounds_exceeds_minReadySeconds(int minReadySeconds) =>
        RolloutMutator.DeadlineToInject(Policy, minReadySeconds).ShouldBeNull();

    [Fact]
    public void With_a_small_default_the_minimum_bound_still_applies() =>
        RolloutMutator.DeadlineToInject(Policy with { DefaultSeconds = 30, MinSeconds = 30 }, 10).ShouldBe(30);

    [Fact]
    public void Only_missing_fields_are_added_and_present_values_are_never_changed()
    {
        var rollout = new JsonObject { ["spec"] = new JsonObject { ["progressDeadlineSeconds"] = "60", ["replicas"] = 3 } };

        RolloutMutator.Plan(Reviews.View(rollout), Policy).ShouldBe(new DeadlineInjection(null, true));
    }

    [Fact]
    public void A_null_field_counts_as_present_and_is_left_to_validation() =>
        RolloutMutator.Plan(Reviews.View(new JsonObject { ["spec"] = new JsonObject { ["progressDeadlineSeconds"] = null, ["progressDeadlineAbort"] = null } }), Policy)
            .IsEmpty.ShouldBeTrue();

    [Fact]
    public void Inject_false_adds_nothing() =>
        RolloutMutator.Plan(Reviews.View(new JsonObject { ["spec"] = new JsonObject() }), Policy with { Inject = false }).IsEmpty.ShouldBeTrue();

    [Theory]
    [InlineData("""{"metadata":{}}""")]
    [InlineData("""{"spec":"fast"}""")]
    [InlineData("""{"spec":[]}""")]
    public void A_rollout_without_a_spec_mapping_is_left_alone(string rollout) =>
        RolloutMutator.Plan(Reviews.View(JsonNode.Parse(rollout)!), Policy).IsEmpty.ShouldBeTrue();
}

using System.Text.Json.Nodes;
using DeadlineGuard.Admission;
using DeadlineGuard.Policy;
using DeadlineGuard.Tests.Support;

namespace DeadlineGuard.Tests.Fixtures;

/// <summary>Each upstream Rollout through the API server's admission chain under the built-in policy: mutate, patch, validate.</summary>
public sealed class ArgoFixtureAdmissionTests
{
    /// <summary>rollout-canary-with-pause.yaml sets progressDeadlineSeconds: 5, below the built-in minimum of 30.</summary>
    private const string TooShortDeadline = "rollout-canary-with-pause.yaml";

    private static readonly string[] OwnedPaths = ["/spec/progressDeadlineSeconds", "/spec/progressDeadlineAbort", .. HistoryAnnotationCleaner.HistoryPaths];

    private readonly AdmissionDecider _decider = new();

    private static AdmissionRequest Create(JsonObject rollout)
    {
        var decoded = Reviews.Decode(Reviews.Review((JsonObject)rollout.DeepClone()));
        decoded.Error.ShouldBeNull();
        return decoded.Request!;
    }

    private JsonObject Mutated(JsonObject rollout, out AdmissionDecision mutation)
    {
        mutation = _decider.Mutate(Create(rollout), DeadlinePolicy.BuiltIn);
        mutation.Allowed.ShouldBeTrue();
        return (JsonObject)JsonPatchApplier.Apply(rollout, mutation.Patch)!;
    }

    [SkippableTheory]
    [MemberData(nameof(ArgoFixtureRollouts.All), MemberType = typeof(ArgoFixtureRollouts))]
    public void Mutation_patches_only_the_deadline_fields_and_the_result_passes_validation(string file, int document)
    {
        var rollout = ArgoFixtureRollouts.Load(file, document);
        var patched = Mutated(rollout, out var mutation);

        mutation.Outcome.ShouldBe(Outcome.Patched);
        mutation.Patch.ShouldAllBe(op => op.Op == "add" && OwnedPaths.Contains(op.Path));
        patched["spec"]!["progressDeadlineAbort"]!.GetValue<bool>().ShouldBeTrue();

        var validation = _decider.Validate(Create(patched), DeadlinePolicy.BuiltIn);
        if (file == TooShortDeadline)
        {
            validation.Outcome.ShouldBe(Outcome.Denied);
            validation.Allowed.ShouldBeFalse();
            validation.Message.ShouldNotBeNull();
            validation.Message.ShouldContain("spec.progressDeadlineSeconds is 5;");
            validation.Violations.ShouldHaveSingleItem().Field.ShouldBe("spec.progressDeadlineSeconds");
        }
        else
        {
            validation.Outcome.ShouldBe(Outcome.Allowed, validation.Message);
            validation.Allowed.ShouldBeTrue();
            patched["spec"]!["progressDeadlineSeconds"]!.GetValue<int>().ShouldBe(600);
        }

        // The decider's own mutate-then-validate sequence reaches the same verdict as the applied patch.
        _decider.Review(Create(rollout), DeadlinePolicy.BuiltIn).Validation.Outcome.ShouldBe(validation.Outcome);
    }

    [SkippableTheory]
    [MemberData(nameof(ArgoFixtureRollouts.All), MemberType = typeof(ArgoFixtureRollouts))]
    public void Mutating_the_patched_rollout_again_yields_no_patch(string file, int document)
    {
        var patched = Mutated(ArgoFixtureRollouts.Load(file, document), out _);
        var again = _decider.Mutate(Create(patched), DeadlinePolicy.BuiltIn);
        again.Patch.ShouldBeEmpty();
        again.Outcome.ShouldBe(Outcome.Allowed);
    }

    [SkippableTheory]
    [MemberData(nameof(ArgoFixtureRollouts.All), MemberType = typeof(ArgoFixtureRollouts))]
    public void The_patched_rollout_still_satisfies_the_crd_schema(string file, int document)
    {
        var rollout = ArgoFixtureRollouts.Load(file, document);
        var before = RolloutCrdSchema.Problems(rollout);
        var after = RolloutCrdSchema.Problems(Mutated(rollout, out _));
        if (before.Count == 0)
        {
            after.ShouldBeEmpty();
        }
        else
        {
            after.ShouldBeSubsetOf(before);
        }
    }

    [SkippableTheory]
    [MemberData(nameof(ArgoFixtureRollouts.All), MemberType = typeof(ArgoFixtureRollouts))]
    public void Mutation_changes_nothing_but_the_added_deadline_fields(string file, int document)
    {
        var rollout = ArgoFixtureRollouts.Load(file, document);
        var patched = HistoryAnnotationCleaner.WithoutHistory(Mutated(rollout, out _), rollout);
        var spec = (JsonObject)patched["spec"]!;
        spec.Remove("progressDeadlineAbort");
        if (!rollout["spec"]!.AsObject().ContainsKey("progressDeadlineSeconds"))
        {
            spec.Remove("progressDeadlineSeconds");
        }

        JsonNode.DeepEquals(patched, rollout).ShouldBeTrue();
    }
}

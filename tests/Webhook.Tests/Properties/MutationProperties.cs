using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using CsCheck;
using DeadlineGuard.Admission;
using DeadlineGuard.Policy;
using DeadlineGuard.Tests.Support;
using Xunit.Abstractions;

namespace DeadlineGuard.Tests.Properties;

/// <summary>Invariants of /mutate and /validate over generated Rollouts and policies (DESIGN.md §2-§3).</summary>
public sealed class MutationProperties(ITestOutputHelper output)
{
    private const long Iterations = 1000;

    private const string DeadlinePath = "/spec/progressDeadlineSeconds";
    private const string AbortPath = "/spec/progressDeadlineAbort";

    private readonly AdmissionDecider _decider = new();

    private (AdmissionDecision Decision, JsonObject Patched) Mutate(RolloutCase c)
    {
        var before = c.Rollout.ToJsonString();
        var decision = _decider.Mutate(c.Create(), c.Policy);
        c.Rollout.ToJsonString().ShouldBe(before, "mutate must not change the request's object in place");
        var patched = JsonPatchApplier.Apply(c.Rollout, decision.Patch) as JsonObject;
        patched.ShouldNotBeNull();
        return (decision, patched);
    }

    private void Sample(Action<RolloutCase> property, long iterations = Iterations) =>
        RolloutGen.Case.Sample(property, iter: iterations, writeLine: output.WriteLine, print: c => c.ToString());

    [Fact]
    public void The_patch_from_mutate_applies_cleanly_and_gives_the_mutated_rollout()
    {
        Sample(c =>
        {
            var (decision, patched) = Mutate(c);
            decision.Allowed.ShouldBeTrue();
            decision.Outcome.ShouldBe(decision.Patch.Count > 0 ? Outcome.Patched : Outcome.Allowed);

            // DESIGN §2-§3: each missing field is added (the deadline only when a compliant value exists), nothing else.
            var expected = (JsonObject)c.Rollout.DeepClone();
            if (c.Effective.Inject && expected["spec"] is JsonObject spec)
            {
                if (!spec.ContainsKey("progressDeadlineSeconds") && RolloutMutator.DeadlineToInject(c.Effective, MinReadySeconds(spec)) is { } seconds)
                {
                    spec["progressDeadlineSeconds"] = seconds;
                }

                if (!spec.ContainsKey("progressDeadlineAbort"))
                {
                    spec["progressDeadlineAbort"] = c.Effective.DefaultAbort;
                }
            }

            var deadlineOnly = HistoryAnnotationCleaner.WithoutHistory(patched, c.Rollout);
            JsonNode.DeepEquals(deadlineOnly, expected).ShouldBeTrue($"patched {patched.ToJsonString()}");
        });
    }

    [Fact]
    public void Mutation_is_idempotent_mutating_the_patched_rollout_yields_no_patch()
    {
        Sample(c =>
        {
            var (_, patched) = Mutate(c);
            var again = _decider.Mutate(c.Create(patched), c.Policy);
            again.Patch.ShouldBeEmpty();
            again.Outcome.ShouldBe(Outcome.Allowed);
        });
    }

    [Fact]
    public void Mutation_only_adds_the_two_deadline_fields_and_never_changes_a_present_value()
    {
        Sample(c =>
        {
            var (decision, patched) = Mutate(c);
            foreach (var operation in decision.Patch)
            {
                operation.Op.ShouldBe("add");
                operation.Path.ShouldBeOneOf([DeadlinePath, AbortPath, .. HistoryAnnotationCleaner.HistoryPaths]);
            }

            // Take away what mutation may add (only where it was absent): everything else must be as it was.
            var originalSpec = (JsonObject)c.Rollout["spec"]!;
            var patchedSpec = (JsonObject)patched["spec"]!;
            foreach (var field in new[] { "progressDeadlineSeconds", "progressDeadlineAbort" })
            {
                if (!originalSpec.ContainsKey(field))
                {
                    patchedSpec.Remove(field);
                }
            }

            var deadlineOnly = HistoryAnnotationCleaner.WithoutHistory(patched, c.Rollout);
            JsonNode.DeepEquals(deadlineOnly, c.Rollout).ShouldBeTrue($"patched {patched.ToJsonString()}");
        });
    }

    [Fact]
    public void An_injected_deadline_lies_within_the_policy_bounds_and_exceeds_min_ready_seconds()
    {
        var injected = 0;
        Sample(c =>
        {
            var (decision, patched) = Mutate(c);
            var p = c.Effective;
            var spec = (JsonObject)patched["spec"]!;
            var minReady = MinReadySeconds(spec);
            var hadDeadline = ((JsonObject)c.Rollout["spec"]!).ContainsKey("progressDeadlineSeconds");
            var added = decision.Patch.SingleOrDefault(op => op.Path == DeadlinePath);

            if (added is null)
            {
                // Nothing injected: not asked to, already there, or no whole number in bounds exceeds minReadySeconds.
                var compliantExists = Math.Max(p.MinSeconds, minReady + 1) <= p.MaxSeconds;
                (p.Inject && !hadDeadline && compliantExists).ShouldBeFalse("a compliant deadline existed but none was injected");
                return;
            }

            Interlocked.Increment(ref injected);
            p.Inject.ShouldBeTrue();
            hadDeadline.ShouldBeFalse();
            var seconds = added.Value!.GetValue<int>();
            seconds.ShouldBeGreaterThan(minReady, "Argo requires progressDeadlineSeconds > minReadySeconds");
            seconds.ShouldBeInRange(p.MinSeconds, p.MaxSeconds);
            if (p.DefaultSeconds > minReady)
            {
                seconds.ShouldBe(p.DefaultSeconds, "the default complies, so it is the value injected");
            }
        });

        injected.ShouldBeGreaterThan((int)(Iterations / 10), "too few generated cases injected a deadline to prove anything");
    }

    [SkippableFact]
    public void A_rollout_that_satisfies_the_crd_schema_still_satisfies_it_after_mutation()
    {
        TestPaths.RequireArgoFixtures();
        const long SchemaIterations = 500;
        var conforming = 0;
        Sample(
            c =>
            {
                if (RolloutCrdSchema.Problems(c.Rollout).Count > 0)
                {
                    return;
                }

                Interlocked.Increment(ref conforming);
                var (_, patched) = Mutate(c);
                RolloutCrdSchema.Problems(patched).ShouldBeEmpty();
            },
            SchemaIterations);

        conforming.ShouldBeGreaterThan((int)(SchemaIterations / 4), "too few generated Rollouts satisfied the schema to prove anything");
    }

    [Fact]
    public void Validate_never_throws_and_flags_exactly_the_broken_rules_before_and_after_mutation()
    {
        Sample(c =>
        {
            var (_, patched) = Mutate(c);
            foreach (var rollout in new[] { c.Rollout, patched })
            {
                var decision = _decider.Validate(c.Create(rollout), c.Policy);
                var expected = BrokenRules(rollout, c.Effective);
                var broken = expected.Count > 0;

                decision.Patch.ShouldBeEmpty();
                decision.Violations.Select(v => v.Field).Distinct().Order(StringComparer.Ordinal).ToList()
                    .ShouldBe(expected, ignoreOrder: false, $"{rollout.ToJsonString()}: {decision.Message}");
                decision.Allowed.ShouldBe(!broken || c.Effective.Action != PolicyAction.Deny);
                decision.Outcome.ShouldBe(!broken ? Outcome.Allowed : c.Effective.Action switch
                {
                    PolicyAction.Deny => Outcome.Denied,
                    PolicyAction.Warn => Outcome.Warned,
                    _ => Outcome.Audited,
                });
                if (broken && c.Effective.Action == PolicyAction.Deny)
                {
                    decision.Message.ShouldNotBeNull();
                    foreach (var field in expected)
                    {
                        decision.Message.ShouldContain(field);
                    }
                }
            }

            // The decider's own mutate-then-validate reaches the verdict the patched object gets.
            var review = _decider.Review(c.Create(), c.Policy);
            review.Validation.Outcome.ShouldBe(_decider.Validate(c.Create(patched), c.Policy).Outcome);
        });
    }

    [Fact]
    public void Mutate_and_validate_never_throw_on_a_rollout_without_a_usable_spec()
    {
        RolloutGen.WithoutUsableSpec.Select(RolloutGen.Policy, (rollout, policy) => new RolloutCase(rollout, policy)).Sample(
            c =>
            {
                var (decision, patched) = Mutate(c);
                foreach (var operation in decision.Patch)
                {
                    operation.Op.ShouldBe("add");
                    operation.Path.ShouldBeOneOf([DeadlinePath, AbortPath, .. HistoryAnnotationCleaner.HistoryPaths]);
                }

                _decider.Mutate(c.Create(patched), c.Policy).Patch.ShouldBeEmpty();

                // Without a spec mapping both fields are missing; an empty spec is judged as usual after injection.
                var expected = patched["spec"] is JsonObject
                    ? BrokenRules(patched, c.Effective)
                    : c.Effective.RequireAbort ? ["spec.progressDeadlineAbort", "spec.progressDeadlineSeconds"] : ["spec.progressDeadlineSeconds"];
                var validation = _decider.Validate(c.Create(patched), c.Policy);
                validation.Violations.Select(v => v.Field).Distinct().Order(StringComparer.Ordinal).ToList()
                    .ShouldBe(expected, ignoreOrder: false);
                validation.Allowed.ShouldBe(expected.Count == 0 || c.Effective.Action != PolicyAction.Deny);
            },
            iter: Iterations,
            writeLine: output.WriteLine,
            print: c => c.ToString());
    }

    /// <summary>
    /// The fields whose rules a Rollout breaks, worked out here from the JSON itself (DESIGN.md §2): the deadline must be
    /// a whole number within [min, max] and above minReadySeconds; the abort flag must be true when required.
    /// </summary>
    private static List<string> BrokenRules(JsonObject rollout, EffectivePolicy policy)
    {
        var spec = (JsonObject)rollout["spec"]!;
        var minReady = MinReadySeconds(spec);
        var broken = new List<string>();

        var deadlineOk = spec.TryGetPropertyValue("progressDeadlineSeconds", out var deadline)
            && IsWholeInt32(deadline, out var seconds)
            && seconds >= policy.MinSeconds && seconds <= policy.MaxSeconds && seconds > minReady;
        if (!deadlineOk)
        {
            broken.Add("spec.progressDeadlineSeconds");
        }

        var abortOk = !policy.RequireAbort
            || (spec.TryGetPropertyValue("progressDeadlineAbort", out var abort) && abort?.GetValueKind() == JsonValueKind.True);
        if (!abortOk)
        {
            broken.Add("spec.progressDeadlineAbort");
        }

        broken.Sort(StringComparer.Ordinal);
        return broken;
    }

    /// <summary>
    /// spec.minReadySeconds as it constrains the deadline: a whole number above 0. Anything else (absent, negative,
    /// wrong-typed) the API server's schema or Argo refuses on its own, and leaves any deadline from 1 up acceptable.
    /// </summary>
    private static int MinReadySeconds(JsonObject spec) =>
        IsWholeInt32(spec["minReadySeconds"], out var value) && value > 0 ? value : 0;

    /// <summary>A JSON number with no fractional part that fits an int32, judged from its text: 600, 600.0 and 6e2 are; 1e99 and 600.5 are not.</summary>
    private static bool IsWholeInt32(JsonNode? node, out int value)
    {
        value = 0;
        if (node?.GetValueKind() != JsonValueKind.Number
            || !decimal.TryParse(node.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
            || number != decimal.Truncate(number) || number < int.MinValue || number > int.MaxValue)
        {
            return false;
        }

        value = (int)number;
        return true;
    }
}

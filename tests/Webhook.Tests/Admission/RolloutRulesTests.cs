using System.Text.Json.Nodes;
using DeadlineGuard.Admission;
using DeadlineGuard.Policy;
using DeadlineGuard.Tests.Support;

namespace DeadlineGuard.Tests.Admission;

public sealed class RolloutRulesTests
{
    private static readonly EffectivePolicy Deny = PolicyResolver.Base(DeadlinePolicy.BuiltIn);

    private static JsonObject Spec(string fields) => JsonNode.Parse("{" + fields + "}")!.AsObject();

    private static AdmissionDecision Enforce(string fields, EffectivePolicy? policy = null) =>
        new AdmissionDecider().Enforce(RolloutDeadlineFields.From(Reviews.View(new JsonObject { ["spec"] = Spec(fields) })), "team-a/web", policy ?? Deny);

    private const string Deadline = RolloutDeadlineFields.DeadlineField;
    private const string Abort = RolloutDeadlineFields.AbortField;

    /// <summary>What one broken rule says as data: the field, the value found, what is required and the number it names.</summary>
    private static (string Field, string Found, Requirement Requirement, int? Bound) Broken(string field, string found, Requirement requirement, int? bound = null) =>
        (field, found, requirement, bound);

    public static TheoryData<string, string, (string, string, Requirement, int?)[]> Cases => new()
    {
        { "compliant", "\"progressDeadlineSeconds\": 600, \"progressDeadlineAbort\": true", [] },
        { "at the lower bound", "\"progressDeadlineSeconds\": 30, \"progressDeadlineAbort\": true", [] },
        { "at the upper bound", "\"progressDeadlineSeconds\": 3600, \"progressDeadlineAbort\": true", [] },
        { "whole number written as a float", "\"progressDeadlineSeconds\": 60.0, \"progressDeadlineAbort\": true", [] },
        { "both missing", "", [Broken(Deadline, "missing", Requirement.Set), Broken(Abort, "missing", Requirement.True)] },
        { "below the minimum", "\"progressDeadlineSeconds\": 5, \"progressDeadlineAbort\": true", [Broken(Deadline, "5", Requirement.AtLeast, 30)] },
        { "above the maximum", "\"progressDeadlineSeconds\": 7200, \"progressDeadlineAbort\": true", [Broken(Deadline, "7200", Requirement.AtMost, 3600)] },
        { "a string", "\"progressDeadlineSeconds\": \"60\", \"progressDeadlineAbort\": true", [Broken(Deadline, "\"60\" (a string)", Requirement.WholeNumber)] },
        { "negative", "\"progressDeadlineSeconds\": -1, \"progressDeadlineAbort\": true", [Broken(Deadline, "-1", Requirement.AtLeast, 30)] },
        { "beyond any integer", "\"progressDeadlineSeconds\": 1e99, \"progressDeadlineAbort\": true", [Broken(Deadline, "1e99", Requirement.WholeNumber)] },
        { "a fraction", "\"progressDeadlineSeconds\": 6.5, \"progressDeadlineAbort\": true", [Broken(Deadline, "6.5", Requirement.WholeNumber)] },
        { "null", "\"progressDeadlineSeconds\": null, \"progressDeadlineAbort\": true", [Broken(Deadline, "null", Requirement.WholeNumber)] },
        { "an object", "\"progressDeadlineSeconds\": {}, \"progressDeadlineAbort\": true", [Broken(Deadline, "a mapping", Requirement.WholeNumber)] },
        { "abort false", "\"progressDeadlineSeconds\": 600, \"progressDeadlineAbort\": false", [Broken(Abort, "false", Requirement.True)] },
        { "abort as a string", "\"progressDeadlineSeconds\": 600, \"progressDeadlineAbort\": \"true\"", [Broken(Abort, "\"true\" (a string)", Requirement.True)] },
        { "abort null", "\"progressDeadlineSeconds\": 600, \"progressDeadlineAbort\": null", [Broken(Abort, "null", Requirement.True)] },
        { "not above minReadySeconds", "\"progressDeadlineSeconds\": 120, \"minReadySeconds\": 120, \"progressDeadlineAbort\": true", [Broken(Deadline, "120", Requirement.GreaterThan, 120)] },
        { "above minReadySeconds", "\"progressDeadlineSeconds\": 121, \"minReadySeconds\": 120, \"progressDeadlineAbort\": true", [] },
        { "below the minimum and not above minReadySeconds: reported once, by the bound", "\"progressDeadlineSeconds\": 10, \"minReadySeconds\": 20, \"progressDeadlineAbort\": true", [Broken(Deadline, "10", Requirement.AtLeast, 30)] },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Each_rule_names_the_field_the_value_found_and_the_value_required(string because, string fields, (string, string, Requirement, int?)[] expected)
    {
        var decision = Enforce(fields);

        decision.Violations.Select(v => (v.Field, v.Found, v.Requirement, v.Bound)).ShouldBe(expected, because);
        decision.Allowed.ShouldBe(expected.Length == 0, because);
        decision.Outcome.ShouldBe(expected.Length == 0 ? Outcome.Allowed : Outcome.Denied, because);
    }

    /// <summary>Each rule's message, word for word: what a person reads in kubectl's error (one case per rule).</summary>
    public static TheoryData<Requirement, string, string> Messages => new()
    {
        { Requirement.Set, "\"progressDeadlineAbort\": true", "spec.progressDeadlineSeconds is missing; it must be set to a whole number of seconds from 30 to 3600" },
        { Requirement.WholeNumber, "\"progressDeadlineSeconds\": \"60\", \"progressDeadlineAbort\": true", "spec.progressDeadlineSeconds is \"60\" (a string); it must be a whole number of seconds from 30 to 3600" },
        { Requirement.AtLeast, "\"progressDeadlineSeconds\": 5, \"progressDeadlineAbort\": true", "spec.progressDeadlineSeconds is 5; it must be at least 30 (policy bounds 30-3600)" },
        { Requirement.AtMost, "\"progressDeadlineSeconds\": 7200, \"progressDeadlineAbort\": true", "spec.progressDeadlineSeconds is 7200; it must be at most 3600 (policy bounds 30-3600)" },
        { Requirement.GreaterThan, "\"progressDeadlineSeconds\": 120, \"minReadySeconds\": 120, \"progressDeadlineAbort\": true", "spec.progressDeadlineSeconds is 120; it must be greater than spec.minReadySeconds (120), as Argo Rollouts requires" },
        { Requirement.True, "\"progressDeadlineSeconds\": 600, \"progressDeadlineAbort\": false", "spec.progressDeadlineAbort is false; it must be true: the policy requires a Rollout to abort when its deadline passes" },
    };

    [Theory]
    [MemberData(nameof(Messages))]
    public void Each_rule_says_in_one_sentence_what_it_found_and_what_it_requires(Requirement rule, string fields, string message)
    {
        var violation = Enforce(fields).Violations.ShouldHaveSingleItem(rule.ToString());

        violation.Requirement.ShouldBe(rule);
        violation.Message.ShouldBe(message);
    }

    [Fact]
    public void A_deny_message_names_the_rollout_and_every_violation()
    {
        var decision = Enforce("\"progressDeadlineSeconds\": 7200, \"progressDeadlineAbort\": false");

        decision.Violations.Select(v => v.Requirement).ShouldBe([Requirement.AtMost, Requirement.True]);
        decision.Message.ShouldBe($"Rollout team-a/web violates the progress-deadline policy: {decision.Violations[0].Message}; {decision.Violations[1].Message}");
    }

    [Fact]
    public void Warn_allows_with_one_short_warning_per_violation()
    {
        var decision = Enforce("\"progressDeadlineSeconds\": 7200, \"progressDeadlineAbort\": false", Deny with { Action = PolicyAction.Warn });

        decision.Allowed.ShouldBeTrue();
        decision.Outcome.ShouldBe(Outcome.Warned);
        decision.Violations.Select(v => v.Requirement).ShouldBe([Requirement.AtMost, Requirement.True]);
        decision.Warnings.ShouldBe(decision.Violations.Select(v => AdmissionDecider.Truncate(v.Message)));
        decision.Warnings.ShouldAllBe(w => w.Length < 120);
        decision.AuditAnnotations.ShouldBeEmpty();
    }

    [Fact]
    public void Audit_allows_silently_and_records_the_violations_for_the_audit_log()
    {
        var decision = Enforce("\"progressDeadlineSeconds\": 7200, \"progressDeadlineAbort\": true", Deny with { Action = PolicyAction.Audit });

        decision.Allowed.ShouldBeTrue();
        decision.Outcome.ShouldBe(Outcome.Audited);
        decision.Warnings.ShouldBeEmpty();
        var violation = decision.Violations.ShouldHaveSingleItem();
        (violation.Field, violation.Found, violation.Requirement, violation.Bound).ShouldBe((RolloutDeadlineFields.DeadlineField, "7200", Requirement.AtMost, 3600));
        decision.AuditAnnotations["violations"].ShouldBe(violation.Message);
    }

    [Fact]
    public void Abort_false_is_allowed_when_the_policy_does_not_require_abort() =>
        Enforce("\"progressDeadlineSeconds\": 600, \"progressDeadlineAbort\": false", Deny with { RequireAbort = false }).Allowed.ShouldBeTrue();

    [Fact]
    public void A_missing_spec_is_explained_not_a_crash()
    {
        var decision = new AdmissionDecider().Enforce(RolloutDeadlineFields.From(Reviews.View(new JsonObject { ["metadata"] = new JsonObject() })), "team-a/web", Deny);

        decision.Allowed.ShouldBeFalse();
        var first = decision.Violations[0];
        (first.Field, first.Found, first.Requirement).ShouldBe((RolloutDeadlineFields.DeadlineField, "missing", Requirement.Set));
    }
}

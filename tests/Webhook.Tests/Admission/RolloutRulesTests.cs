using System.Text.Json.Nodes;
using DeadlineGuard.Admission;
using DeadlineGuard.Policy;
using DeadlineGuard.Tests.Support;

namespace DeadlineGuard.Tests.Admission;

public sealed class RolloutRulesTests
{
    private static readonly EffectivePolicy Deny = PolicyResolver.Base(DeadlinePolicy.BuiltIn);

    private static JsonObject Spec(string fields) => JsonNode.Parse("{" + fields + "}")!.AsObject();

    private static AdmissionDecision Judge(string fields, EffectivePolicy? policy = null) =>
        new AdmissionDecider().Enforce(RolloutDeadlineFields.From(Reviews.View(new JsonObject { ["spec"] = Spec(fields) })), "team-a/web", policy ?? Deny);

    public static TheoryData<string, string, string[]> Cases => new()
    {
        { "compliant", "\"progressDeadlineSeconds\": 600, \"progressDeadlineAbort\": true", [] },
        { "at the lower bound", "\"progressDeadlineSeconds\": 30, \"progressDeadlineAbort\": true", [] },
        { "at the upper bound", "\"progressDeadlineSeconds\": 3600, \"progressDeadlineAbort\": true", [] },
        { "whole number written as a float", "\"progressDeadlineSeconds\": 60.0, \"progressDeadlineAbort\": true", [] },
        { "both missing", "", [
            "spec.progressDeadlineSeconds is missing; it must be set to a whole number of seconds from 30 to 3600",
            "spec.progressDeadlineAbort is missing; it must be true: the policy requires a Rollout to abort when its deadline passes"] },
        { "below the minimum", "\"progressDeadlineSeconds\": 5, \"progressDeadlineAbort\": true", [
            "spec.progressDeadlineSeconds is 5; it must be at least 30 (policy bounds 30-3600)"] },
        { "above the maximum", "\"progressDeadlineSeconds\": 7200, \"progressDeadlineAbort\": true", [
            "spec.progressDeadlineSeconds is 7200; it must be at most 3600 (policy bounds 30-3600)"] },
        { "a string", "\"progressDeadlineSeconds\": \"60\", \"progressDeadlineAbort\": true", [
            "spec.progressDeadlineSeconds is \"60\" (a string); it must be a whole number of seconds from 30 to 3600"] },
        { "negative", "\"progressDeadlineSeconds\": -1, \"progressDeadlineAbort\": true", [
            "spec.progressDeadlineSeconds is -1; it must be at least 30 (policy bounds 30-3600)"] },
        { "beyond any integer", "\"progressDeadlineSeconds\": 1e99, \"progressDeadlineAbort\": true", [
            "spec.progressDeadlineSeconds is 1e99; it must be a whole number of seconds from 30 to 3600"] },
        { "a fraction", "\"progressDeadlineSeconds\": 6.5, \"progressDeadlineAbort\": true", [
            "spec.progressDeadlineSeconds is 6.5; it must be a whole number of seconds from 30 to 3600"] },
        { "null", "\"progressDeadlineSeconds\": null, \"progressDeadlineAbort\": true", [
            "spec.progressDeadlineSeconds is null; it must be a whole number of seconds from 30 to 3600"] },
        { "an object", "\"progressDeadlineSeconds\": {}, \"progressDeadlineAbort\": true", [
            "spec.progressDeadlineSeconds is a mapping; it must be a whole number of seconds from 30 to 3600"] },
        { "abort false", "\"progressDeadlineSeconds\": 600, \"progressDeadlineAbort\": false", [
            "spec.progressDeadlineAbort is false; it must be true"] },
        { "abort as a string", "\"progressDeadlineSeconds\": 600, \"progressDeadlineAbort\": \"true\"", [
            "spec.progressDeadlineAbort is \"true\" (a string); it must be true"] },
        { "abort null", "\"progressDeadlineSeconds\": 600, \"progressDeadlineAbort\": null", [
            "spec.progressDeadlineAbort is null; it must be true"] },
        { "not above minReadySeconds", "\"progressDeadlineSeconds\": 120, \"minReadySeconds\": 120, \"progressDeadlineAbort\": true", [
            "spec.progressDeadlineSeconds is 120; it must be greater than spec.minReadySeconds (120), as Argo Rollouts requires"] },
        { "above minReadySeconds", "\"progressDeadlineSeconds\": 121, \"minReadySeconds\": 120, \"progressDeadlineAbort\": true", [] },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Each_rule_names_the_field_the_value_found_and_the_value_required(string because, string fields, string[] expected)
    {
        var decision = Judge(fields);

        var messages = decision.Violations.Select(v => v.Message).ToList();
        messages.Count.ShouldBe(expected.Length, because + ": " + string.Join(" | ", messages));
        for (var i = 0; i < expected.Length; i++)
        {
            messages[i].ShouldStartWith(expected[i], Case.Sensitive, because);
        }

        decision.Allowed.ShouldBe(expected.Length == 0, because);
        decision.Outcome.ShouldBe(expected.Length == 0 ? Outcome.Allowed : Outcome.Denied, because);
    }

    [Fact]
    public void A_deny_message_names_the_rollout_and_every_violation()
    {
        var decision = Judge("\"progressDeadlineSeconds\": 7200, \"progressDeadlineAbort\": false");

        decision.Message.ShouldBe(
            "Rollout team-a/web violates the progress-deadline policy: spec.progressDeadlineSeconds is 7200; it must be at most 3600 (policy bounds 30-3600); " +
            "spec.progressDeadlineAbort is false; it must be true: the policy requires a Rollout to abort when its deadline passes");
    }

    [Fact]
    public void Warn_allows_with_one_short_warning_per_violation()
    {
        var decision = Judge("\"progressDeadlineSeconds\": 7200, \"progressDeadlineAbort\": false", Deny with { Action = PolicyAction.Warn });

        decision.Allowed.ShouldBeTrue();
        decision.Outcome.ShouldBe(Outcome.Warned);
        decision.Warnings.Count.ShouldBe(2);
        decision.Warnings.ShouldAllBe(w => w.Length < 120);
        decision.Warnings[0].ShouldStartWith("spec.progressDeadlineSeconds is 7200");
        decision.AuditAnnotations.ShouldBeEmpty();
    }

    [Fact]
    public void Audit_allows_silently_and_records_the_violations_for_the_audit_log()
    {
        var decision = Judge("\"progressDeadlineSeconds\": 7200, \"progressDeadlineAbort\": true", Deny with { Action = PolicyAction.Audit });

        decision.Allowed.ShouldBeTrue();
        decision.Outcome.ShouldBe(Outcome.Audited);
        decision.Warnings.ShouldBeEmpty();
        decision.AuditAnnotations["violations"].ShouldBe("spec.progressDeadlineSeconds is 7200; it must be at most 3600 (policy bounds 30-3600)");
        decision.Violations.Count.ShouldBe(1);
    }

    [Fact]
    public void Abort_false_is_allowed_when_the_policy_does_not_require_abort() =>
        Judge("\"progressDeadlineSeconds\": 600, \"progressDeadlineAbort\": false", Deny with { RequireAbort = false }).Allowed.ShouldBeTrue();

    [Fact]
    public void A_missing_spec_is_explained_not_a_crash()
    {
        var decision = new AdmissionDecider().Enforce(RolloutDeadlineFields.From(Reviews.View(new JsonObject { ["metadata"] = new JsonObject() })), "team-a/web", Deny);

        decision.Allowed.ShouldBeFalse();
        decision.Violations[0].Message.ShouldStartWith("spec.progressDeadlineSeconds is missing");
    }
}

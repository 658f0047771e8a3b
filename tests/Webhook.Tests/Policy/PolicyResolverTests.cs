using DeadlineGuard.Policy;

namespace DeadlineGuard.Tests.Policy;

public sealed class PolicyResolverTests
{
    private static readonly DeadlinePolicy Policy = DeadlinePolicy.BuiltIn with
    {
        Overrides =
        [
            new PolicyOverride(["team-a-*"], PolicyAction.Warn, null, 7200, null, null, null, null),
            new PolicyOverride(["team-a-prod", "payments"], PolicyAction.Audit, 60, null, 120, null, false, null),
        ],
    };

    [Theory]
    [InlineData("team-a-dev", PolicyAction.Warn, 30, 7200, 600, true, 0)]
    [InlineData("team-a-prod", PolicyAction.Warn, 30, 7200, 600, true, 0)] // the first match wins
    [InlineData("payments", PolicyAction.Audit, 60, 3600, 120, false, 1)]
    [InlineData("team-b", PolicyAction.Deny, 30, 3600, 600, true, null)]
    public void The_first_matching_override_applies_over_the_policy(
        string ns, PolicyAction action, int min, int max, int defaultSeconds, bool requireAbort, int? index)
    {
        var effective = PolicyResolver.Resolve(Policy, ns);

        effective.ShouldBe(new EffectivePolicy(true, defaultSeconds, true, min, max, requireAbort, action, index));
    }

    [Theory]
    [InlineData("team-a-dev", 7200, true)] // the override's limit, the policy's abort
    [InlineData("team-a-prod", 7200, true)] // the first match wins, although the second sets a limit too
    [InlineData("payments", 900, false)]
    [InlineData("team-c", 0, false)] // an override may turn the limit off
    [InlineData("team-b", 3600, true)] // no override: the policy's
    public void The_pause_limit_comes_from_the_first_matching_override_field_by_field(string ns, int maxSeconds, bool abort)
    {
        var policy = DeadlinePolicy.BuiltIn with
        {
            Pauses = new PauseOptions(3600, true),
            Overrides =
            [
                new PolicyOverride(["team-a-*"], null, null, null, null, null, null, null, PauseMaxSeconds: 7200),
                new PolicyOverride(["team-a-prod", "payments"], null, null, null, null, null, null, null, PauseMaxSeconds: 900, PauseAbort: false),
                new PolicyOverride(["team-c"], null, null, null, null, null, null, null, PauseMaxSeconds: 0, PauseAbort: false),
            ],
        };

        PolicyResolver.PauseLimit(policy, ns).ShouldBe((maxSeconds, abort));
        var effective = PolicyResolver.Resolve(policy, ns);
        (effective.PauseMaxSeconds, effective.PauseAbort).ShouldBe((maxSeconds, abort), "Resolve and PauseLimit agree");
    }

    [Theory]
    [InlineData("kube-system", true)]
    [InlineData("kube-public", false)]
    [InlineData("team-a", false)]
    public void Only_listed_namespaces_are_never_evaluated(string ns, bool exempt) =>
        PolicyResolver.IsExemptNamespace(DeadlinePolicy.BuiltIn, ns).ShouldBe(exempt);

    [Theory]
    [InlineData("team-a-*", "team-a-dev", true)]
    [InlineData("team-a-*", "team-a-", true)]
    [InlineData("team-a-*", "team-a", false)]
    [InlineData("*-prod", "payments-prod", true)]
    [InlineData("team-?", "team-b", true)]
    [InlineData("team-?", "team-bb", false)]
    [InlineData("*", "anything", true)]
    [InlineData("a*b*c", "axxbyyc", true)]
    [InlineData("a*b*c", "axxbyy", false)]
    [InlineData("payments", "payments", true)]
    [InlineData("payments", "payments-2", false)]
    public void Namespace_globs_match_whole_names(string glob, string ns, bool expected) =>
        NamespaceGlob.IsMatch(glob, ns).ShouldBe(expected);
}

using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using DeadlineGuard.Export;
using DeadlineGuard.Policy;
using DeadlineGuard.Tests.Admission;
using DeadlineGuard.Tests.Fixtures;
using DeadlineGuard.Tests.Http;
using DeadlineGuard.Tests.Support;

namespace DeadlineGuard.Tests.Export;

/// <summary>
/// The export decides as the webhook does. Each row goes, in every namespace of the test policy, through the
/// webhook's HTTP contract (/mutate, its deadline patch applied, then /validate; and /validate on the Rollout as
/// sent) and through the exported policies evaluated by a real CEL implementation as the API server would evaluate
/// them (tests/cel/export-policy.mjs). Both see the Rollout as the API server holds it (ApiServerJson). The same
/// fields are injected with the same values, and each validation gives the same verdict, the same message, the
/// same warnings and the same audit annotations (the API server's own prefixes taken off).
/// </summary>
public sealed partial class ExportEquivalenceTests(ExportEquivalenceFixture fixture) : IClassFixture<ExportEquivalenceFixture>
{
    private const string Prefix = ExportOptions.DefaultNamePrefix;

    public static TheoryData<string> RulesCases() => new(RolloutRulesTests.Cases.Select(row => (string)row[0]));

    public static TheoryData<string> FurtherCases() => new(EquivalenceRows.Further.Keys);

    public static TheoryData<string> ControllerCases() => new(ControllerRow.All.Select(r => r.Name));

    [SkippableTheory]
    [MemberData(nameof(RulesCases))]
    public Task Every_case_of_the_rules_table_is_decided_alike_in_every_namespace(string because) =>
        AssertAlike(EquivalenceRows.RulesPrefix + because, EquivalenceRows.Rules(because));

    [SkippableTheory]
    [MemberData(nameof(WrongTypedFieldTests.WrongFieldValues), MemberType = typeof(WrongTypedFieldTests))]
    public Task Every_wrong_typed_value_is_decided_alike_in_every_namespace(string field, string json)
    {
        var rollout = EquivalenceRows.Typed(field, json, out var id);
        return AssertAlike(id, rollout);
    }

    [SkippableTheory]
    [MemberData(nameof(FurtherCases))]
    public Task Min_ready_seconds_exemptions_and_escaped_values_are_decided_alike(string name) =>
        AssertAlike(EquivalenceRows.FurtherPrefix + name, EquivalenceRows.Further[name]());

    [SkippableTheory]
    [MemberData(nameof(ArgoFixtureRollouts.All), MemberType = typeof(ArgoFixtureRollouts))]
    public Task Every_upstream_fixture_is_decided_alike_in_every_namespace(string file, int document)
    {
        TestPaths.RequireArgoFixtures();
        return AssertAlike(EquivalenceRows.Fixture(file, document), ArgoFixtureRollouts.Load(file, document));
    }

    [SkippableTheory]
    [MemberData(nameof(ControllerCases))]
    public async Task The_argo_controller_is_skipped_where_the_charts_webhooks_skip_it(string name)
    {
        var row = ControllerRow.All.Single(r => r.Name == name);
        var cel = fixture.Cel[row.Id];
        var problems = new List<string>();
        await Compare(row.Id, row.Object, row.OldObject, row.Operation, row.User, cel, row.MutatingCalled, row.ValidatingCalled, problems);

        // The row must show something: a user's Rollout lacking both fields is patched and, validated as sent, denied.
        if (row.MutatingCalled)
        {
            cel["mutation"]!["patch"]!.AsArray().Count.ShouldBe(2, row.Id);
        }

        problems.ShouldBeEmpty();
    }

    [SkippableFact]
    public async Task The_comparison_tells_apart_the_export_of_another_policy()
    {
        // The built-in policy allows team-a-dev at most 3600 s; the test policy's override allows 7200 s.
        var other = AdmissionPolicyExporter.Export(DeadlinePolicy.BuiltIn, new ExportOptions()).ToYaml();
        var ns = ExportEquivalenceFixture.Namespaces.Single(n => n.Name == "team-a-dev");
        var rollout = ExportEquivalenceFixture.InNamespace(EquivalenceRows.Rules("above the maximum"), ns.Name);
        var cel = ExportedPolicyCel.Evaluate(other, [new CelCase("other", ns.Name, ns.Labels, "CREATE", ExportEquivalenceFixture.User, rollout)])["other"];
        var problems = new List<string>();

        await Compare("other", rollout, null, "CREATE", ExportEquivalenceFixture.User, cel, true, true, problems);

        problems.ShouldContain(p => p.StartsWith("other: validation as sent: export Verdict { Allowed = False", StringComparison.Ordinal));
    }

    [Fact]
    public void The_test_namespaces_reach_every_override_and_exemption_of_the_test_policy()
    {
        var policy = fixture.Policy;
        var names = ExportEquivalenceFixture.Namespaces.Where(n => n.SeenByChart).Select(n => n.Name).ToList();
        var firstMatches = names.Select(n => PolicyResolver.Resolve(policy, n).OverrideIndex).ToHashSet();
        for (var i = 0; i < policy.Overrides.Count; i++)
        {
            if (i == 3)
            {
                // override 3 is reached through "manual"; its "team-a-legacy" is shadowed by override 0 on purpose
                names.ShouldContain("team-a-legacy");
                PolicyResolver.Resolve(policy, "team-a-legacy").OverrideIndex.ShouldBe(0);
            }

            firstMatches.ShouldContain(i, $"no test namespace gets override {i}");
        }

        firstMatches.Contains(null).ShouldBeTrue("no test namespace gets the policy without override");
        names.ShouldContain(n => PolicyResolver.IsExemptNamespace(policy, n));
        names.ShouldContain(n => NamespaceGlob.MatchesAny(policy.Exemptions.AllowedIn, n));
        names.Select(n => PolicyResolver.Resolve(policy, n).Action).Distinct().Count().ShouldBe(3);
        names.Select(n => PolicyResolver.Resolve(policy, n).Inject).Distinct().Count().ShouldBe(2);
    }

    /// <summary>One row in every namespace; every difference is collected, so that one failure shows them all.</summary>
    private async Task AssertAlike(string rowId, JsonObject rollout)
    {
        var problems = new List<string>();
        foreach (var ns in ExportEquivalenceFixture.Namespaces)
        {
            var id = ExportEquivalenceFixture.CaseId(rowId, ns.Name);
            var cel = fixture.Cel[id];
            await Compare(id, ExportEquivalenceFixture.InNamespace(rollout, ns.Name), null, "CREATE", ExportEquivalenceFixture.User, cel, ns.SeenByChart, ns.SeenByChart, problems);
        }

        problems.ShouldBeEmpty();
    }

    private async Task Compare(
        string id, JsonObject rollout, JsonObject? oldObject, string operation, string user, JsonObject cel, bool mutatingCalled, bool validatingCalled, List<string> problems)
    {
        void Check(bool ok, string what)
        {
            if (!ok)
            {
                problems.Add($"{id}: {what}");
            }
        }

        var mutation = cel["mutation"]!.AsObject();
        foreach (var error in Errors(mutation).Concat(Errors(cel["validation"]!)).Concat(Errors(cel["validationAfterMutation"]!)))
        {
            problems.Add($"{id}: CEL error {error}");
        }

        Check(mutation["again"]!.AsArray().Count == 0, $"the mutating policy patches again when reinvoked: {mutation["again"]!.ToJsonString()}");

        // What the API server holds and passes to the webhook.
        var sent = (JsonObject)ApiServerJson.ForWebhook(rollout)!;
        var sentOld = (JsonObject?)ApiServerJson.ForWebhook(oldObject);
        var webhookPatch = new JsonArray();
        if (mutatingCalled)
        {
            var answer = await fixture.Client.ReviewAsync("/mutate", Reviews.Review(sent.DeepClone().AsObject(), operation, sentOld?.DeepClone().AsObject(), user: user));
            webhookPatch = answer.DeadlinePatch;
        }

        var mutated = (JsonObject)JsonPatchApplier.Apply(sent, webhookPatch)!;
        var celPatch = mutation["patch"]!.AsArray();
        Check(JsonNode.DeepEquals(celPatch, webhookPatch), $"patch: export {celPatch.ToJsonString()}, webhook {webhookPatch.ToJsonString()}");
        var celMutated = ApiServerJson.ForWebhook(ApiServerJson.Untagged(cel["mutated"]));
        Check(JsonNode.DeepEquals(celMutated, mutated), $"mutated Rollout: export {celMutated?.ToJsonString()}, webhook {mutated.ToJsonString()}");

        foreach (var (label, obj, celValidation) in new[] { ("as sent", sent, cel["validation"]!), ("after mutation", mutated, cel["validationAfterMutation"]!) })
        {
            var expected = validatingCalled
                ? Verdict.Of(await fixture.Client.ReviewAsync("/validate", Reviews.Review(obj.DeepClone().AsObject(), operation, sentOld?.DeepClone().AsObject(), user: user)))
                : Verdict.Untouched;
            var actual = Verdict.Of(celValidation.AsObject(), problems, id);
            Check(actual == expected, $"validation {label}: export {actual}, webhook {expected}");
        }
    }

    private static IEnumerable<string> Errors(JsonNode result) => result["errors"]!.AsArray().Select(e => e!.GetValue<string>());

    /// <summary>A validation outcome in the webhook's terms: allowed, message, HTTP code, warnings (sorted), audit annotations.</summary>
    private sealed record Verdict(bool Allowed, string? Message, int? Code, string Warnings, string Audit)
    {
        public static Verdict Untouched { get; } = new(true, null, null, string.Empty, string.Empty);

        /// <summary>
        /// The webhook's answer without its pitfall warnings (docs/pitfalls.md): the export has none by design
        /// (AdmissionPolicyExporter: "not exportable"), so only the policy's own warnings are compared.
        /// </summary>
        public static Verdict Of(ReviewAnswer answer) => new(
            answer.Allowed,
            answer.Status?["message"]?.GetValue<string>(),
            answer.Allowed ? null : answer.Status?["code"]?.GetValue<int>(),
            Join(answer.Warnings.Where(w => !IsPitfallWarning(w))),
            Join((answer.AuditAnnotations ?? []).Select(a => $"{a.Key}={a.Value!.GetValue<string>()}")));

        private static bool IsPitfallWarning(string warning) =>
            DeadlineGuard.Pitfalls.PitfallCatalog.Find(warning.Split(' ')[0]) is { } pitfall && warning.StartsWith(pitfall.Id + " ", StringComparison.Ordinal)
            || (warning.StartsWith("and ", StringComparison.Ordinal) && warning.Contains(" more pitfall", StringComparison.Ordinal));

        /// <summary>The export's answer with the API server's prefixes taken off (each one checked on the way).</summary>
        public static Verdict Of(JsonObject cel, List<string> problems, string id)
        {
            string? message = null;
            int? code = null;
            if (cel["denied"]?.GetValue<string>() is { } denied)
            {
                var m = DeniedPrefix().Match(denied);
                if (!m.Success || m.Groups[1].Value != $"{Prefix}-deny" || m.Groups[2].Value != $"{Prefix}-deny")
                {
                    problems.Add($"{id}: unexpected denial {denied}");
                }

                message = m.Groups[3].Value;
                code = cel["deniedReason"]!.GetValue<string>() == "Forbidden" ? 403 : 422;
            }

            var warnings = cel["warnings"]!.AsArray().Select(w =>
            {
                var m = WarningPrefix().Match(w!.GetValue<string>());
                if (!m.Success || m.Groups[1].Value != m.Groups[2].Value)
                {
                    problems.Add($"{id}: unexpected warning {w}");
                }

                return m.Groups[3].Value;
            });
            var audit = cel["audit"]!.AsObject().Select(a =>
            {
                var m = AuditPrefix().Match(a.Key);
                if (!m.Success)
                {
                    problems.Add($"{id}: unexpected audit annotation {a.Key}");
                }

                return $"{m.Groups[1].Value}={a.Value!.GetValue<string>()}";
            });
            var audited = audit.Any(a => a.StartsWith("violations=", StringComparison.Ordinal));
            if (audited != (cel["auditFailures"]!.AsArray().Count > 0))
            {
                problems.Add($"{id}: the API server's validation_failure audit entries do not go with the violations annotation");
            }

            return new Verdict(message is null, message, code, Join(warnings), Join(audit));
        }

        private static string Join(IEnumerable<string> items) => string.Join(" | ", items.Order(StringComparer.Ordinal));
    }

    [GeneratedRegex("^ValidatingAdmissionPolicy '([^']+)' with binding '([^']+)' denied request: (.*)$", RegexOptions.Singleline)]
    private static partial Regex DeniedPrefix();

    [GeneratedRegex("^Validation failed for ValidatingAdmissionPolicy '([^']+)' with binding '([^']+)': (.*)$", RegexOptions.Singleline)]
    private static partial Regex WarningPrefix();

    [GeneratedRegex($"^{Prefix}-(?:audit|exemptions)/(.+)$")]
    private static partial Regex AuditPrefix();
}

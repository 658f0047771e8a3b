using System.Text.Json.Nodes;
using DeadlineGuard.Tests.Admission;
using DeadlineGuard.Tests.Fixtures;
using DeadlineGuard.Tests.Http;
using DeadlineGuard.Tests.Support;

namespace DeadlineGuard.Tests.Export;

/// <summary>
/// The Rollouts the equivalence tests send to both the webhook and the export: every case of the admission rules
/// table (RolloutRulesTests), every wrong-typed value (WrongTypedFieldTests), the cases below that reach the
/// remaining parts of the policy (minReadySeconds, exemptions, escaped strings), and every upstream Argo fixture.
/// Each row is a Rollout without a namespace; the tests put it in each namespace in turn.
/// </summary>
public static class EquivalenceRows
{
    public const string RulesPrefix = "rules: ";
    public const string TypedPrefix = "typed: ";
    public const string FurtherPrefix = "further: ";
    public const string FixturePrefix = "fixture: ";

    /// <summary>Rows beyond the two tables, by name.</summary>
    public static IReadOnlyDictionary<string, Func<JsonObject>> Further { get; } = new Dictionary<string, Func<JsonObject>>
    {
        ["no spec at all"] = () => new JsonObject
        {
            ["apiVersion"] = "argoproj.io/v1alpha1",
            ["kind"] = "Rollout",
            ["metadata"] = new JsonObject { ["name"] = "web" },
        },
        ["minReadySeconds 700, nothing set: the default is not above it"] = () => Spec("\"minReadySeconds\": 700"),
        ["minReadySeconds 790, nothing set: the smallest compliant value where bounds allow"] = () => Spec("\"minReadySeconds\": 790"),
        ["minReadySeconds 5000, nothing set: no compliant value within bounds"] = () => Spec("\"minReadySeconds\": 5000"),
        ["minReadySeconds 700.0 written as a float"] = () => Spec("\"minReadySeconds\": 700.0"),
        ["minReadySeconds as a string is read as 0"] = () => Spec("\"minReadySeconds\": \"700\""),
        ["minReadySeconds negative is read as 0"] = () => Spec("\"minReadySeconds\": -5"),
        ["deadline 1e2, a whole number in exponent form"] = () => Spec("\"progressDeadlineSeconds\": 1e2, \"progressDeadlineAbort\": true"),
        ["deadline 1e20, whole but beyond any int32"] = () => Spec("\"progressDeadlineSeconds\": 1e20"),
        ["deadline 0.000001"] = () => Spec("\"progressDeadlineSeconds\": 0.000001"),
        ["deadline a list of one"] = () => Spec("\"progressDeadlineSeconds\": [600], \"progressDeadlineAbort\": 1"),
        ["abort a string the webhook escapes"] = () => Spec("\"progressDeadlineSeconds\": 600, \"progressDeadlineAbort\": \"a\\\"b\\\\c\\n<&>'+`\\t\\u0001\""),
        ["deadline a string longer than 40 characters"] = () => Spec("\"progressDeadlineSeconds\": \"" + new string('9', 45) + "\""),
        ["abort false with minReadySeconds above the deadline"] = () => Spec("\"progressDeadlineSeconds\": 100, \"minReadySeconds\": 300, \"progressDeadlineAbort\": false"),
        ["exemption with a reason"] = () => Annotated("load test until Friday"),
        ["exemption with a reason padded with spaces"] = () => Annotated("  load test  "),
        ["exemption with an empty reason"] = () => Annotated(string.Empty),
        ["exemption with only spaces"] = () => Annotated("   "),
        ["exemption with a reason on a compliant Rollout"] = () => Annotated("kept", "\"progressDeadlineSeconds\": 600, \"progressDeadlineAbort\": true"),
    };

    /// <summary>Every row: id and Rollout. The fixtures only when they are present.</summary>
    public static IEnumerable<(string Id, JsonObject Rollout)> All()
    {
        foreach (var row in RolloutRulesTests.Cases)
        {
            var because = (string)row[0];
            yield return (RulesPrefix + because, Rules(because));
        }

        foreach (var row in WrongTypedFieldTests.WrongValues)
        {
            yield return (TypedPrefix + Typed((string)row[0], (string)row[1]), Typed((string)row[0], (string)row[1], out _));
        }

        foreach (var (name, build) in Further)
        {
            yield return (FurtherPrefix + name, build());
        }

        if (TestPaths.HasArgoFixtures)
        {
            foreach (var row in ArgoFixtureRollouts.All())
            {
                yield return (Fixture((string)row[0], (int)row[1]), ArgoFixtureRollouts.Load((string)row[0], (int)row[1]));
            }
        }
    }

    /// <summary>The Rollout of a RolloutRulesTests case: the test Rollout with the case's spec fields.</summary>
    public static JsonObject Rules(string because)
    {
        var fields = RolloutRulesTests.Cases.Single(row => (string)row[0] == because)[1];
        return Spec((string)fields);
    }

    public static string Typed(string field, string json) => $"{field} = {json}";

    /// <summary>The Rollout of a WrongTypedFieldTests row: both fields valid, then the one field set to the raw JSON.</summary>
    public static JsonObject Typed(string field, string json, out string id)
    {
        id = TypedPrefix + Typed(field, json);
        var rollout = Spec("\"progressDeadlineSeconds\": 600, \"progressDeadlineAbort\": true");
        rollout["spec"]![field] = JsonNode.Parse(json);
        return rollout;
    }

    public static string Fixture(string file, int document) => $"{FixturePrefix}{file}#{document}";

    /// <summary>The test Rollout (Reviews.Rollout) with these spec members added (JSON text without braces).</summary>
    public static JsonObject Spec(string fields)
    {
        var rollout = Reviews.Rollout();
        rollout["metadata"]!.AsObject().Remove("namespace");
        if (fields.Length > 0)
        {
            foreach (var (key, value) in JsonNode.Parse("{" + fields + "}")!.AsObject())
            {
                rollout["spec"]![key] = value?.DeepClone();
            }
        }

        return rollout;
    }

    private static JsonObject Annotated(string reason, string fields = "")
    {
        var rollout = Spec(fields);
        rollout["metadata"]!["annotations"] = new JsonObject { ["deadline-guard.io/exempt"] = reason };
        return rollout;
    }
}

using System.Text.Json.Nodes;
using DeadlineGuard.Tests.Support;
using static DeadlineGuard.Tests.Http.MutateContractTests;

namespace DeadlineGuard.Tests.Http;

/// <summary>
/// DESIGN §2: values of the wrong type are violations with a clear message, never a crash; and /mutate,
/// which owns only missing fields, never touches a field that is present with a wrong value.
/// </summary>
public sealed class WrongTypedFieldTests(DefaultPolicyWebhook webhook) : IClassFixture<DefaultPolicyWebhook>
{
    private readonly HttpClient _client = webhook.Client;

    /// <summary>Field, raw JSON value as a client sends it, and how the message must show the value found.</summary>
    public static TheoryData<string, string, string> WrongValues => new()
    {
        { "progressDeadlineSeconds", "\"60\"", "\"60\" (a string)" },
        { "progressDeadlineSeconds", "-1", "-1" },
        { "progressDeadlineSeconds", "0", "0" },
        { "progressDeadlineSeconds", "1e99", "1e99" },
        { "progressDeadlineSeconds", "2147483648", "2147483648" },
        { "progressDeadlineSeconds", "null", "null" },
        { "progressDeadlineSeconds", "6.5", "6.5" },
        { "progressDeadlineSeconds", "true", "true" },
        { "progressDeadlineSeconds", "{}", "a mapping" },
        { "progressDeadlineSeconds", "[600]", "a list" },
        { "progressDeadlineAbort", "\"true\"", "\"true\" (a string)" },
        { "progressDeadlineAbort", "1", "1" },
        { "progressDeadlineAbort", "null", "null" },
        { "progressDeadlineAbort", "{}", "a mapping" },
    };

    public static TheoryData<string, string> WrongFieldValues()
    {
        var data = new TheoryData<string, string>();
        foreach (var row in WrongValues)
        {
            data.Add((string)row[0], (string)row[1]);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(WrongValues))]
    public async Task Validate_denies_a_wrong_value_naming_the_field_and_the_value_found(string field, string json, string found)
    {
        var answer = await _client.ReviewAsync("/validate", Reviews.Review(RolloutWith(field, json)));

        answer.Allowed.ShouldBeFalse();
        answer.Status!["code"]!.GetValue<int>().ShouldBe(403);
        var message = answer.Status["message"]!.GetValue<string>();
        message.ShouldContain($"spec.{field} is {found}; it must be");
        message.ShouldNotContain("internal error");
    }

    [Theory]
    [MemberData(nameof(WrongFieldValues))]
    public async Task Mutate_leaves_a_present_but_wrong_value_alone(string field, string json)
    {
        var answer = await _client.ReviewAsync("/mutate", Reviews.Review(RolloutWith(field, json)));

        answer.Allowed.ShouldBeTrue();
        answer.HasDeadlinePatch.ShouldBeFalse();
    }

    [Theory]
    [MemberData(nameof(WrongFieldValues))]
    public async Task Mutate_adds_only_the_other_missing_field_beside_a_wrong_value(string field, string json)
    {
        var rollout = Reviews.Rollout();
        rollout["spec"]![field] = JsonNode.Parse(json);
        var other = field == "progressDeadlineSeconds" ? "/spec/progressDeadlineAbort" : "/spec/progressDeadlineSeconds";

        var answer = await _client.ReviewAsync("/mutate", Reviews.Review(rollout));

        answer.DeadlinePatch.Select(o => o!["path"]!.GetValue<string>()).ShouldBe([other]);
        answer.DeadlinePatch[0]!["op"]!.GetValue<string>().ShouldBe("add");
    }

    [Fact]
    public async Task A_wrong_typed_min_ready_seconds_does_not_stop_injection()
    {
        var rollout = Reviews.Rollout();
        rollout["spec"]!["minReadySeconds"] = "700";

        var answer = await _client.ReviewAsync("/mutate", Reviews.Review(rollout));

        Operations(answer.DeadlinePatch).ShouldContain("add /spec/progressDeadlineSeconds 600");
    }

    /// <summary>A Rollout with the given field set to the raw JSON value and the other field valid.</summary>
    private static JsonObject RolloutWith(string field, string json)
    {
        var rollout = WithFields(Reviews.Rollout(), 600, true);
        rollout["spec"]![field] = JsonNode.Parse(json);
        return rollout;
    }
}

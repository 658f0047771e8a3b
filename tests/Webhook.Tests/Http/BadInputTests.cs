using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using DeadlineGuard.Tests.Support;

namespace DeadlineGuard.Tests.Http;

/// <summary>One thing a client can send that is not a usable AdmissionReview, and the answer it must get.</summary>
public sealed record BadInput(byte[] Body, string? ContentType, HttpStatusCode Status, string Reason)
{
    public static BadInput Json(string body, string reason) => new(Encoding.UTF8.GetBytes(body), "application/json", HttpStatusCode.BadRequest, reason);

    /// <summary>A valid review edited to break it.</summary>
    public static BadInput Edited(Action<JsonObject> edit, string reason, string operation = "CREATE")
    {
        var review = Reviews.Review(Reviews.Rollout(), operation, operation == "UPDATE" ? Reviews.Rollout() : null);
        edit(review);
        return Json(review.ToJsonString(), reason);
    }
}

/// <summary>
/// DESIGN §3: a request that cannot be decoded is answered 400 with a one-line reason (413 over the size
/// limit); nothing a client sends gives a 500 or stops the server from answering the next good review.
/// </summary>
public sealed class BadInputTests(DefaultPolicyWebhook webhook) : IClassFixture<DefaultPolicyWebhook>
{
    private static readonly string ValidReview = Reviews.Review(Reviews.Rollout()).ToJsonString();

    private static readonly Dictionary<string, BadInput> Cases = new()
    {
        ["empty body"] = BadInput.Json("", "body is not valid JSON"),
        ["whitespace only"] = BadInput.Json("  \n\t ", "body is not valid JSON"),
        ["not JSON"] = BadInput.Json("apiVersion: admission.k8s.io/v1", "body is not valid JSON"),
        ["truncated JSON"] = BadInput.Json(ValidReview[..(ValidReview.Length / 2)], "body is not valid JSON"),
        ["trailing garbage"] = BadInput.Json(ValidReview + " garbage", "body is not valid JSON"),
        ["two reviews back to back"] = BadInput.Json(ValidReview + ValidReview, "body is not valid JSON"),
        ["invalid UTF-8"] = new([.. "{\"apiVersion\":\""u8, 0xff, 0xfe, .. "\"}"u8], "application/json", HttpStatusCode.BadRequest, "body is not valid JSON"),
        ["invalid UTF-8 after 200 KB of valid text"] = new(InvalidUtf8Late(), "application/json", HttpStatusCode.BadRequest, "body is not valid JSON"),
        ["JSON array root"] = BadInput.Json($"[{ValidReview}]", "body must be an AdmissionReview object, found a list"),
        ["string root"] = BadInput.Json("\"AdmissionReview\"", "body must be an AdmissionReview object, found \"AdmissionReview\" (a string)"),
        ["number root"] = BadInput.Json("42", "body must be an AdmissionReview object, found 42"),
        ["null root"] = BadInput.Json("null", "body must be an AdmissionReview object, found null"),
        ["apiVersion missing"] = BadInput.Edited(r => r.Remove("apiVersion"), "apiVersion must be admission.k8s.io/v1 or admission.k8s.io/v1beta1, found null"),
        ["apiVersion wrong"] = BadInput.Edited(r => r["apiVersion"] = "admission.k8s.io/v2", "apiVersion must be admission.k8s.io/v1 or admission.k8s.io/v1beta1, found \"admission.k8s.io/v2\""),
        ["apiVersion a number"] = BadInput.Edited(r => r["apiVersion"] = 1, "apiVersion must be admission.k8s.io/v1 or admission.k8s.io/v1beta1, found 1"),
        ["kind missing"] = BadInput.Edited(r => r.Remove("kind"), "kind must be AdmissionReview"),
        ["kind wrong"] = BadInput.Edited(r => r["kind"] = "AdmissionRequest", "kind must be AdmissionReview, found \"AdmissionRequest\""),
        ["request missing"] = BadInput.Edited(r => r.Remove("request"), "request must be an object, found nothing"),
        ["request null"] = BadInput.Edited(r => r["request"] = null, "request must be an object, found null"),
        ["request an array"] = BadInput.Edited(r => r["request"] = new JsonArray(), "request must be an object, found a list"),
        ["request a string"] = BadInput.Edited(r => r["request"] = "CREATE", "request must be an object, found \"CREATE\" (a string)"),
        ["uid missing"] = BadInput.Edited(r => Request(r).Remove("uid"), "request.uid must be a non-empty string, found nothing"),
        ["uid empty"] = BadInput.Edited(r => Request(r)["uid"] = "", "request.uid must be a non-empty string, found \"\" (a string)"),
        ["uid a number"] = BadInput.Edited(r => Request(r)["uid"] = 42, "request.uid must be a non-empty string, found 42"),
        ["uid null"] = BadInput.Edited(r => Request(r)["uid"] = null, "request.uid must be a non-empty string, found null"),
        ["operation missing"] = BadInput.Edited(r => Request(r).Remove("operation"), "request.operation must be one of CREATE, UPDATE, DELETE, CONNECT, found nothing"),
        ["operation unknown"] = BadInput.Edited(r => Request(r)["operation"] = "PATCH", "request.operation must be one of CREATE, UPDATE, DELETE, CONNECT, found \"PATCH\""),
        ["operation in lower case"] = BadInput.Edited(r => Request(r)["operation"] = "create", "request.operation must be one of CREATE, UPDATE, DELETE, CONNECT, found \"create\""),
        ["operation a list"] = BadInput.Edited(r => Request(r)["operation"] = new JsonArray("CREATE"), "request.operation must be one of CREATE, UPDATE, DELETE, CONNECT, found a list"),
        ["request kind missing"] = BadInput.Edited(r => Request(r).Remove("kind"), "request.kind must be an object"),
        ["request kind a string"] = BadInput.Edited(r => Request(r)["kind"] = "Rollout", "request.kind must be an object"),
        ["request kind without a kind name"] = BadInput.Edited(r => Request(r)["kind"]!.AsObject().Remove("kind"), "request.kind must be an object"),
        ["object null on Rollout CREATE"] = BadInput.Edited(r => Request(r)["object"] = null, "request.object must hold the Rollout for CREATE"),
        ["object missing on Rollout CREATE"] = BadInput.Edited(r => Request(r).Remove("object"), "request.object must hold the Rollout for CREATE"),
        ["object an array"] = BadInput.Edited(r => Request(r)["object"] = new JsonArray(), "request.object must be an object or null, found a list"),
        ["object a string"] = BadInput.Edited(r => Request(r)["object"] = "web", "request.object must be an object or null, found \"web\" (a string)"),
        ["oldObject missing on Rollout UPDATE"] = BadInput.Edited(r => Request(r).Remove("oldObject"), "request.oldObject must hold the current Rollout for UPDATE", "UPDATE"),
        ["oldObject null on Rollout UPDATE"] = BadInput.Edited(r => Request(r)["oldObject"] = null, "request.oldObject must hold the current Rollout for UPDATE", "UPDATE"),
        ["oldObject a number"] = BadInput.Edited(r => Request(r)["oldObject"] = 7, "request.oldObject must be an object or null, found 7", "UPDATE"),
        ["nesting 10,000 deep in lists"] = BadInput.Json(NestedInRollout("[", "]"), "body is not valid JSON"),
        ["nesting 10,000 deep in objects"] = BadInput.Json(NestedInRollout("{\"a\":", "}"), "body is not valid JSON"),
        ["a huge string where the apiVersion belongs"] = BadInput.Edited(r => r["apiVersion"] = new string('v', 1_000_000), "apiVersion must be admission.k8s.io/v1 or admission.k8s.io/v1beta1, found \"vvvv"),
        ["a line break inside the bad value"] = BadInput.Edited(r => r["kind"] = "Admission\nReview", "kind must be AdmissionReview, found \"Admission\\nReview\""),
        ["a duplicate uid"] = BadInput.Json(
            ValidReview.Replace("\"uid\":\"0b7f3a2e-1111-4c5d-9e8f-000000000001\"", "\"uid\":\"a\",\"uid\":\"b\"", StringComparison.Ordinal),
            "body has a duplicate key \"uid\" at request.uid"),
        ["a duplicate key inside the spec"] = BadInput.Json(
            ValidReview.Replace("\"replicas\":2", "\"replicas\":2,\"replicas\":3", StringComparison.Ordinal),
            "body has a duplicate key \"replicas\" at request.object.spec.replicas"),
        ["a duplicate annotation"] = BadInput.Json(
            ValidReview.Replace("\"namespace\":\"team-a\"}", "\"namespace\":\"team-a\",\"annotations\":{\"a.io/x\":\"1\",\"a.io/x\":\"2\"}}", StringComparison.Ordinal),
            "body has a duplicate key \"a.io/x\" at request.object.metadata.annotations[\"a.io/x\"]"),
        ["a lone surrogate in the uid"] = BadInput.Json(
            ValidReview.Replace("0b7f3a2e-1111-4c5d-9e8f-000000000001", "\\ud800", StringComparison.Ordinal),
            "body has a lone surrogate escape \\ud800 in a string at request.uid"),
        ["a lone surrogate in an annotation"] = BadInput.Json(
            ValidReview.Replace("\"namespace\":\"team-a\"}", "\"namespace\":\"team-a\",\"annotations\":{\"note\":\"a\\udfff\"}}", StringComparison.Ordinal),
            "body has a lone surrogate escape \\udfff in a string at request.object.metadata.annotations.note"),
        ["content type text/plain"] = BadInput.Json(ValidReview, "content type must be application/json, found text/plain") with { ContentType = "text/plain" },
        ["content type missing"] = BadInput.Json(ValidReview, "content type must be application/json, found none") with { ContentType = null },
        ["content type application/yaml"] = BadInput.Json(ValidReview, "content type must be application/json, found application/yaml") with { ContentType = "application/yaml" },
    };

    private readonly HttpClient _client = webhook.Client;

    public static TheoryData<string> CaseNames() => new(Cases.Keys);

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task Mutate_answers_a_bad_request_with_its_status_and_a_one_line_reason_then_serves_the_next_review(string name) =>
        await AssertAnsweredThenServing("/mutate", Cases[name]);

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task Validate_answers_a_bad_request_with_its_status_and_a_one_line_reason_then_serves_the_next_review(string name) =>
        await AssertAnsweredThenServing("/validate", Cases[name]);

    [Fact]
    public async Task A_3_MiB_string_value_under_the_4_MiB_limit_is_answered_normally()
    {
        var rollout = Reviews.Rollout();
        rollout["metadata"]!["annotations"] = new JsonObject { ["example.com/blob"] = new string('x', 3 * 1024 * 1024) };

        var answer = await _client.ReviewAsync("/mutate", Reviews.Review(rollout));

        answer.Allowed.ShouldBeTrue();
        MutateContractTests.Operations(answer.DeadlinePatch).ShouldBe(["add /spec/progressDeadlineSeconds 600", "add /spec/progressDeadlineAbort true"], ignoreOrder: true);
    }

    [Fact]
    public async Task A_large_body_full_of_multi_byte_characters_is_answered_normally()
    {
        var rollout = Reviews.Rollout();
        rollout["metadata"]!["annotations"] = new JsonObject { ["example.com/text"] = string.Concat(Enumerable.Repeat("é€😀a", 50_000)) };

        var answer = await _client.ReviewAsync("/mutate", Reviews.Review(rollout));

        answer.Allowed.ShouldBeTrue();
        answer.HasPatch.ShouldBeTrue();
    }

    [Theory]
    [InlineData("application/json; charset=utf-8")]
    [InlineData("Application/JSON")]
    public async Task A_json_content_type_with_parameters_or_other_case_is_accepted(string contentType)
    {
        var (status, body) = await _client.PostRawAsync("/mutate", AdmissionCalls.Body(ValidReview, contentType));

        status.ShouldBe(HttpStatusCode.OK, body);
    }

    /// <summary>Values the API server would never send in optional places: the review is still answered, not faulted.</summary>
    public static TheoryData<string> OddOptionalFields() => new(OddCases.Keys);

    private static readonly Dictionary<string, Action<JsonObject>> OddCases = new()
    {
        ["userInfo a string"] = r => Request(r)["userInfo"] = "alice",
        ["userInfo a list"] = r => Request(r)["userInfo"] = new JsonArray("alice"),
        ["username a number"] = r => Request(r)["userInfo"]!["username"] = 7,
        ["namespace and name numbers"] = r => { Request(r)["namespace"] = 1; Request(r)["name"] = 2; },
        ["no namespace and object metadata a string"] = r => { Request(r).Remove("namespace"); Request(r).Remove("name"); Request(r)["object"]!["metadata"] = "web"; },
        ["no namespace and object metadata a list"] = r => { Request(r).Remove("namespace"); Request(r)["object"]!["metadata"] = new JsonArray(); },
        ["object metadata a string"] = r => Request(r)["object"]!["metadata"] = "web",
        ["object annotations a list"] = r => Request(r)["object"]!["metadata"]!["annotations"] = new JsonArray("deadline-guard.io/exempt"),
        ["object spec a string"] = r => Request(r)["object"]!["spec"] = "fast",
        ["object spec a list"] = r => Request(r)["object"]!["spec"] = new JsonArray(),
        ["dryRun a string"] = r => Request(r)["dryRun"] = "true",
        ["subResource a number"] = r => Request(r)["subResource"] = 3,
        ["request kind group a number"] = r => Request(r)["kind"]!["group"] = 9,
    };

    [Theory]
    [MemberData(nameof(OddOptionalFields))]
    public async Task A_review_with_an_oddly_typed_optional_field_is_answered_without_an_internal_error(string name)
    {
        foreach (var endpoint in new[] { "/mutate", "/validate" })
        {
            var review = Reviews.Review(Reviews.Rollout());
            OddCases[name](review);

            var answer = await _client.ReviewAsync(endpoint, review);

            answer.Uid.ShouldBe("0b7f3a2e-1111-4c5d-9e8f-000000000001", name);
            answer.Response.ToJsonString().ShouldNotContain("internal error", Case.Insensitive, $"{name} on {endpoint}");
        }
    }

    public static TheoryData<string> HostileCases() =>
        new("a duplicate uid", "a duplicate key inside the spec", "a duplicate annotation", "a lone surrogate in the uid", "a lone surrogate in an annotation", "not JSON");

    [Theory]
    [MemberData(nameof(HostileCases))]
    public async Task A_bad_request_is_counted_as_invalid_like_every_other_400(string name)
    {
        foreach (var endpoint in new[] { "/mutate", "/validate" })
        {
            var series = $"deadline_guard_admission_requests_total{{endpoint=\"{endpoint[1..]}\",operation=\"unknown\",decision=\"invalid\"}}";
            var before = await CounterAsync(series);

            var (status, _) = await _client.PostRawAsync(endpoint, AdmissionCalls.Body(Cases[name].Body, Cases[name].ContentType));

            status.ShouldBe(HttpStatusCode.BadRequest, name);
            (await CounterAsync(series)).ShouldBe(before + 1, $"{name} on {endpoint}");
        }
    }

    private async Task<double> CounterAsync(string series)
    {
        var line = (await _client.GetStringAsync("/metrics")).Split('\n').FirstOrDefault(l => l.StartsWith(series + " ", StringComparison.Ordinal));
        return line is null ? 0 : double.Parse(line[(series.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture);
    }

    private async Task AssertAnsweredThenServing(string endpoint, BadInput input)
    {
        var (status, body) = await _client.PostRawAsync(endpoint, AdmissionCalls.Body(input.Body, input.ContentType));

        status.ShouldBe(input.Status, body);
        body.ShouldEndWith("\n");
        var line = body[..^1];
        line.ShouldNotBeNullOrWhiteSpace();
        line.ShouldNotContain('\n');
        line.ShouldNotContain('\r');
        line.Length.ShouldBeLessThan(300);
        line.ShouldStartWith(input.Reason);

        var next = await _client.ReviewAsync(endpoint, Reviews.Review(Reviews.Rollout()));
        next.Uid.ShouldBe("0b7f3a2e-1111-4c5d-9e8f-000000000001");
    }

    private static JsonObject Request(JsonObject review) => review["request"]!.AsObject();

    /// <summary>A review whose annotation holds 200 KB of multi-byte text and then a byte that is never UTF-8.</summary>
    private static byte[] InvalidUtf8Late()
    {
        var rollout = Reviews.Rollout();
        rollout["metadata"]!["annotations"] = new JsonObject { ["example.com/text"] = string.Concat(Enumerable.Repeat("é€😀a", 20_000)) + "#" };
        var bytes = Encoding.UTF8.GetBytes(Reviews.Review(rollout).ToJsonString());
        bytes[Array.IndexOf(bytes, (byte)'#')] = 0xff;
        return bytes;
    }

    /// <summary>The valid review with spec.replicas replaced by a value nested 10,000 deep.</summary>
    private static string NestedInRollout(string open, string close)
    {
        const int Depth = 10_000;
        var nested = string.Concat(Enumerable.Repeat(open, Depth)) + "2" + string.Concat(Enumerable.Repeat(close, Depth));
        var body = ValidReview.Replace("\"replicas\":2", "\"replicas\":" + nested, StringComparison.Ordinal);
        body.Length.ShouldBeGreaterThan(ValidReview.Length);
        return body;
    }
}

using System.Text;
using DeadlineGuard.Json;

namespace DeadlineGuard.Tests.Json;

/// <summary>
/// A request body is read once; what a JSON parser would accept but no decision should rest on is refused in that
/// same pass, with the reason and the place (issue "Hostile input and load", item 4).
/// </summary>
public sealed class JsonScannerTests
{
    private static readonly JsonPathSet Nothing = new();

    private static JsonProblem? Problem(string json, int maxDepth = 128)
    {
        using var scan = JsonScanner.Scan(Encoding.UTF8.GetBytes(json), Nothing, maxDepth, out var problem);
        (scan is null).ShouldBe(problem is not null, json);
        return problem;
    }

    public static TheoryData<string, string, string> Duplicates => new()
    {
        { "at the top", """{"uid":"a","uid":"b"}""", """duplicate key "uid" at uid""" },
        { "in the request", """{"request":{"uid":"a","operation":"CREATE","uid":"b"}}""", """duplicate key "uid" at request.uid""" },
        { "deep in the spec", """{"request":{"object":{"spec":{"replicas":2,"template":{},"replicas":3}}}}""", """duplicate key "replicas" at request.object.spec.replicas""" },
        { "in an annotation key with a slash", """{"metadata":{"annotations":{"a.io/b":"1","a.io/b":"2"}}}""", """duplicate key "a.io/b" at metadata.annotations["a.io/b"]""" },
        { "in the second item of a list", """{"containers":[{"name":"a"},{"name":"b","image":"x","name":"c"}]}""", """duplicate key "name" at containers[1].name""" },
        { "once written with an escape", """{"spec":{"replicas":1,"\u0072eplicas":2}}""", """duplicate key "replicas" at spec.replicas""" },
        { "with a null and an object", """{"request":{"object":null,"object":{}}}""", """duplicate key "object" at request.object""" },
    };

    [Theory]
    [MemberData(nameof(Duplicates))]
    public void A_repeated_key_anywhere_is_refused_naming_the_key_and_its_path(string because, string json, string expected)
    {
        var problem = Problem(json);

        problem.ShouldNotBeNull(because);
        problem.Kind.ShouldBe(JsonProblemKind.DuplicateKey, because);
        problem.Message.ShouldStartWith(expected, Case.Sensitive, because);
    }

    public static TheoryData<string, string, string> Surrogates => new()
    {
        { "a lone high surrogate", """{"request":{"uid":"\ud800"}}""", """lone surrogate escape \ud800 in a string at request.uid""" },
        { "a lone low surrogate", """{"a":["x","\uDC00"]}""", """lone surrogate escape \uDC00 in a string at a[1]""" },
        { "a high surrogate before a plain escape", """{"a":"\ud83d\u0041"}""", """lone surrogate escape \ud83d in a string at a""" },
        { "a high surrogate at the end", """{"a":"ok \ud83d"}""", """lone surrogate escape \ud83d in a string at a""" },
        { "in a key", """{"metadata":{"annotations":{"\ud800":"x"}}}""", """lone surrogate escape \ud800 in a key at metadata.annotations""" },
        { "after an escaped backslash", """{"a":"\\\ud800"}""", """lone surrogate escape \ud800 in a string at a""" },
    };

    [Theory]
    [MemberData(nameof(Surrogates))]
    public void A_lone_surrogate_escape_anywhere_is_refused_naming_the_escape_and_its_path(string because, string json, string expected)
    {
        var problem = Problem(json);

        problem.ShouldNotBeNull(because);
        problem.Kind.ShouldBe(JsonProblemKind.LoneSurrogate, because);
        problem.Message.ShouldStartWith(expected, Case.Sensitive, because);
    }

    [Theory]
    [InlineData("""{"a":"\ud83d\ude00"}""")]
    [InlineData("""{"a":"\\ud800"}""")]
    [InlineData("""{"a":"\\\\ud800 \u00e9"}""")]
    [InlineData("""{"a":"é😀","b":"\u0000\u001f"}""")]
    [InlineData("""{"a":1,"b":{"a":2},"c":[{"a":3},{"a":4}]}""")]
    public void Valid_pairs_escaped_backslashes_and_keys_repeated_in_different_objects_are_accepted(string json) =>
        Problem(json).ShouldBeNull();

    [Theory]
    [InlineData("")]
    [InlineData("{\"a\":1} {")]
    [InlineData("{\"a\":")]
    public void Text_that_is_not_json_is_a_syntax_problem(string json) =>
        Problem(json)!.Kind.ShouldBe(JsonProblemKind.Syntax);

    [Fact]
    public void Bytes_that_are_not_utf8_are_a_syntax_problem()
    {
        byte[] text = [.. "{\"a\":\""u8, 0xc3, 0x28, .. "\"}"u8];
        using var scan = JsonScanner.Scan(text, Nothing, 128, out var problem);

        scan.ShouldBeNull();
        problem!.Message.ShouldBe("it is not valid UTF-8");
    }

    [Fact]
    public void Nesting_deeper_than_asked_is_a_syntax_problem()
    {
        var problem = Problem(new string('[', 20) + new string(']', 20), maxDepth: 10);

        problem!.Kind.ShouldBe(JsonProblemKind.Syntax);
        problem.Message.ShouldContain("depth");
    }

    [Fact]
    public void A_long_key_and_a_long_path_are_shortened_to_keep_the_reason_on_one_short_line()
    {
        var key = new string('k', 5000);
        var json = "{\"a\":" + string.Concat(Enumerable.Repeat("{\"level\":", 60)) + $"{{\"{key}\":1,\"{key}\":2}}" + new string('}', 61);

        var problem = Problem(json)!;

        problem.Kind.ShouldBe(JsonProblemKind.DuplicateKey);
        problem.Message.Length.ShouldBeLessThan(300);
        problem.Message.ShouldNotContain('\n');
    }

    [Theory]
    [InlineData(10)]
    [InlineData(5000)]
    public void Members_past_the_recorded_ones_are_still_found_by_name(int count)
    {
        var paths = new JsonPathSet().CaptureMembers(0, "annotations");
        var members = Enumerable.Range(0, count).Select(i => $"\"k{i:00000}\":\"v{i}\"").Append("\"\\u006Bescaped\":1");
        var json = Encoding.UTF8.GetBytes("{\"annotations\":{" + string.Join(",", members) + "}}");

        using var scan = JsonScanner.Scan(json, paths, 128, out var problem)!;

        problem.ShouldBeNull();
        scan.Members.Count.ShouldBeLessThanOrEqualTo(JsonScanner.MaxMembers, "a scan keeps a bounded number of members");
        scan.GetString(scan.Members[scan.FindMember(0, $"k{count - 1:00000}")].Value).ShouldBe($"v{count - 1}");
        scan.MemberValue(scan.FindMember(0, "kescaped")).GetInt32().ShouldBe(1);
        scan.FindMember(0, "missing").ShouldBe(-1);
    }
}


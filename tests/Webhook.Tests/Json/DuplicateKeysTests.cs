using System.Text;
using System.Text.Json;
using CsCheck;
using DeadlineGuard.Json;

namespace DeadlineGuard.Tests.Json;

/// <summary>The scanner's search for repeated keys must find exactly what System.Text.Json's strict parse refuses.</summary>
public sealed class DuplicateKeysTests
{
    /// <summary>Names that collide only after unescaping, sort in every order, and repeat.</summary>
    private static readonly Gen<string> Name = Gen.OneOf(
        Gen.Const("a"), Gen.Const("b"), Gen.Const("\\u0061"), Gen.Const("ab"), Gen.Const("é"), Gen.Const("\\u00e9"), Gen.Const("Z"),
        Gen.Char["abcdefghij"].Array[1, 3].Select(c => new string(c)));

    private static Gen<string> Value(int depth) => depth == 0
        ? Gen.OneOf(Gen.Const("1"), Gen.Const("\"x\""), Gen.Const("null"), Gen.Const("[]"))
        : Gen.Frequency(
            (3, Value(0)),
            (2, Gen.Select(Name, Value(depth - 1)).Array[0, 20].Select(members =>
                "{" + string.Join(",", members.Select(m => $"\"{m.Item1}\":{m.Item2}")) + "}")),
            (1, Value(depth - 1).Array[0, 4].Select(items => "[" + string.Join(",", items) + "]")));

    private static bool RefusedByTheStrictParser(string json)
    {
        try
        {
            using var _ = JsonDocument.Parse(json, new JsonDocumentOptions { AllowDuplicateProperties = false });
            return false;
        }
        catch (JsonException)
        {
            return true;
        }
    }

    private static bool FoundByTheScanner(string json)
    {
        using var scan = JsonScanner.Scan(Encoding.UTF8.GetBytes(json), new JsonPathSet(), 128, out var problem);
        return problem?.Kind == JsonProblemKind.DuplicateKey;
    }

    [Fact]
    public void Finds_a_repeated_key_exactly_when_the_strict_parser_refuses_one() =>
        Value(4).Sample(json => FoundByTheScanner(json).ShouldBe(RefusedByTheStrictParser(json), json), iter: 3000);

    [Fact]
    public void Finds_a_repeated_key_in_an_unsorted_object_larger_than_the_pairwise_limit()
    {
        var keys = Enumerable.Range(0, 100).Select(i => $"k{(i * 37) % 100:000}").ToList();
        var json = "{" + string.Join(",", keys.Select(k => $"\"{k}\":1")) + ",\"k050\":2}";

        FoundByTheScanner(json).ShouldBeTrue();
        FoundByTheScanner(json.Replace(",\"k050\":2", string.Empty, StringComparison.Ordinal)).ShouldBeFalse();
    }

    [Theory]
    [InlineData("""{"a":1,"b":2,"c":{"d":1,"e":[{"f":1,"g":2}]}}""", false)]
    [InlineData("""{"b":1,"a":2,"b":3}""", true)]
    [InlineData("""{"a":1,"b":{"x":1,"x":2}}""", true)]
    [InlineData("""{"a":1,"\u0061":2}""", true)]
    [InlineData("""{"z":1,"y":2,"x":3,"w":4,"v":5,"u":6,"t":7,"s":8,"r":9,"q":10,"p":11,"o":12,"n":13,"m":14,"l":15,"k":16,"j":17,"z":18}""", true)]
    public void Finds_repeated_keys_in_sorted_unsorted_escaped_and_large_objects(string json, bool expected) =>
        FoundByTheScanner(json).ShouldBe(expected);
}

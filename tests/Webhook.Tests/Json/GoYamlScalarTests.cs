using System.Text.Json;
using System.Text.Json.Nodes;
using DeadlineGuard.Json;
using YamlDotNet.Core;

namespace DeadlineGuard.Tests.Json;

/// <summary>
/// Issue 13, item 7: plain YAML scalars read as kubectl sends them. kubectl converts YAML with
/// sigs.k8s.io/yaml, which decodes it with go-yaml v2 (go.yaml.in/yaml/v2 v2.4.2; resolve.go and decode.go
/// are identical to github.com/go-yaml/yaml v2.4.0, commit 7649d45) and writes the result as JSON.
/// Each expected value below is what that code gives; the resolve.go lines that decide it are cited.
/// </summary>
public sealed class GoYamlScalarTests
{
    private static JsonNode? Value(string yaml) => YamlJson.ParseStream("value: " + yaml + "\n").Single().Root!["value"];

    /// <summary>
    /// resolve.go:150-158: underscores removed, then strconv.ParseInt(plain, 0, 64): a sign, then "0x" hex,
    /// "0o" or a bare leading "0" octal, "0b" binary (each prefix only with a digit after it).
    /// resolve.go:159-162: strconv.ParseUint for what is beyond Int64.
    /// </summary>
    [Theory]
    [InlineData("030", "24")] // octal, the case from the issue
    [InlineData("0x258", "600")]
    [InlineData("1_000", "1000")]
    [InlineData("0b1010", "10")]
    [InlineData("+60", "60")]
    [InlineData("-0x10", "-16")]
    [InlineData("0o17", "15")]
    [InlineData("0O17", "15")]
    [InlineData("0X1F", "31")]
    [InlineData("0B11", "3")]
    [InlineData("0777", "511")]
    [InlineData("0", "0")]
    [InlineData("00", "0")]
    [InlineData("-0", "0")]
    [InlineData("600", "600")]
    [InlineData("1__0", "10")]
    [InlineData("-_1", "-1")] // the sign decides the hint (resolve.go:22-23), then underscores go
    [InlineData("0x_FF", "255")]
    [InlineData("9223372036854775807", "9223372036854775807")]
    [InlineData("-9223372036854775808", "-9223372036854775808")]
    [InlineData("9223372036854775808", "9223372036854775808")] // uint64
    [InlineData("18446744073709551615", "18446744073709551615")]
    [InlineData("0x8000000000000000", "9223372036854775808")]
    [InlineData("0b-1", "-1")] // resolve.go:169-176: "0b" retried with base 2, which takes a sign
    [InlineData("0b+101", "5")]
    [InlineData("-0b101", "-5")]
    public void A_plain_integer_reads_as_go_yaml_v2_reads_it(string yaml, string json)
    {
        var value = Value(yaml)!;

        value.GetValueKind().ShouldBe(JsonValueKind.Number);
        value.ToJsonString().ShouldBe(json);
    }

    /// <summary>
    /// resolve.go:163-168: what is not an integer but matches yamlStyleFloat (resolve.go:84) is a float64,
    /// unless strconv.ParseFloat overflows; resolve.go:132-137: a leading '.' goes to strconv.ParseFloat.
    /// </summary>
    [Theory]
    [InlineData("09", 9.0)] // not octal, so a float
    [InlineData("0778", 778.0)]
    [InlineData("01.5", 1.5)]
    [InlineData("1_000.5", 1000.5)]
    [InlineData("1e3", 1000.0)]
    [InlineData("6E2", 600.0)]
    [InlineData(".5", 0.5)]
    [InlineData("+.5", 0.5)]
    [InlineData("-.5e1", -5.0)]
    [InlineData("5.", 5.0)]
    [InlineData("1.e3", 1000.0)]
    [InlineData("0.1e-2", 0.001)]
    [InlineData("18446744073709551616", 18446744073709551616.0)] // beyond uint64: a float
    [InlineData("-9223372036854775809", -9223372036854775809.0)]
    [InlineData("1e-400", 0.0)] // underflow is no error in strconv.ParseFloat
    public void A_plain_float_reads_as_go_yaml_v2_reads_it(string yaml, double expected)
    {
        var value = Value(yaml)!;

        value.GetValueKind().ShouldBe(JsonValueKind.Number);
        value.GetValue<double>().ShouldBe(expected);
    }

    /// <summary>Everything no rule above takes stays a string (resolve.go:196), as do quoted scalars (decode.go:414-416).</summary>
    [Theory]
    [InlineData("0x")]
    [InlineData("0b")]
    [InlineData("0o")]
    [InlineData("0x1p3")] // a Go hex float, but only yamlStyleFloat is tried on digits
    [InlineData("1e400")] // overflows float64: strconv.ParseFloat fails
    [InlineData("._5")] // strconv.ParseFloat takes underscores only after a base prefix
    [InlineData("_1")] // '_' is not in the hint table
    [InlineData("+")]
    [InlineData("++1")]
    [InlineData("1,000")]
    [InlineData("12:30")] // base 60 is unsupported (resolve.go:124-126)
    [InlineData("2001-12-14")] // a timestamp decodes into interface{} as its text (decode.go:474-480)
    [InlineData("2001-12-14T21:59:43.10Z")]
    [InlineData("0b102")]
    [InlineData("'030'")]
    [InlineData("\"0x258\"")]
    [InlineData("\"1_000\"")]
    [InlineData("<<")]
    public void Other_spellings_stay_strings(string yaml)
    {
        var value = Value(yaml)!;

        value.GetValueKind().ShouldBe(JsonValueKind.String);
        value.GetValue<string>().ShouldBe(yaml.Trim('\'', '"'));
    }

    /// <summary>resolve.go:37-43: the YAML 1.1 booleans and nulls, looked up whole and case-exact.</summary>
    [Theory]
    [InlineData("yes", "true")]
    [InlineData("Y", "true")]
    [InlineData("On", "true")]
    [InlineData("TRUE", "true")]
    [InlineData("n", "false")]
    [InlineData("OFF", "false")]
    [InlineData("~", "null")]
    [InlineData("Null", "null")]
    [InlineData("", "null")]
    [InlineData("yEs", "\"yEs\"")]
    [InlineData("nULL", "\"nULL\"")]
    public void Booleans_and_nulls_stay_as_yaml_1_1_has_them(string yaml, string json) =>
        (Value(yaml)?.ToJsonString() ?? "null").ShouldBe(json);

    /// <summary>resolve.go:44-47 reads these as NaN and infinities, which encoding/json refuses: kubectl fails, and so does the reader.</summary>
    [Theory]
    [InlineData(".inf")]
    [InlineData("-.Inf")]
    [InlineData(".NaN")]
    [InlineData("!!float .inf")]
    public void Infinity_and_nan_are_refused_as_kubectl_refuses_them(string yaml) =>
        Should.Throw<YamlException>(() => Value(yaml)).Message.ShouldContain("is not a finite number");

    /// <summary>decode.go:411-425 and resolve.go:86-110: an explicit tag is resolved and checked; "!" and unknown tags keep the text.</summary>
    [Theory]
    [InlineData("!!str 030", "\"030\"")]
    [InlineData("!!int \"030\"", "24")]
    [InlineData("!!float 1", "1")]
    [InlineData("!!bool yes", "true")]
    [InlineData("!!null ~", "null")]
    [InlineData("! 12", "\"12\"")]
    [InlineData("!custom 12", "\"12\"")]
    [InlineData("!!binary aGk=", "\"hi\"")]
    [InlineData("!!timestamp 2001-12-14", "\"2001-12-14\"")]
    public void Explicit_tags_read_as_go_yaml_v2_reads_them(string yaml, string json) =>
        (Value(yaml)?.ToJsonString() ?? "null").ShouldBe(json);

    [Theory]
    [InlineData("!!int abc", "cannot decode !!str `abc` as a !!int")]
    [InlineData("!!int 1.5", "cannot decode !!float `1.5` as a !!int")]
    [InlineData("!!bool 1", "cannot decode !!int `1` as a !!bool")]
    [InlineData("!!binary '%%%'", "!!binary value contains invalid base64 data")]
    [InlineData("!!timestamp 2001-13-01", "cannot decode !!str `2001-13-01` as a !!timestamp")]
    public void A_tag_the_text_does_not_fit_is_refused_with_go_yamls_reason(string yaml, string reason) =>
        Should.Throw<YamlException>(() => Value(yaml)).Message.ShouldBe(reason);

    /// <summary>
    /// sigs.k8s.io/yaml yaml.go convertToJSONableObject: keys decoded like values become JSON names; ints in
    /// decimal, floats by strconv.FormatFloat(f, 'g', -1, 32), booleans as true/false; null and uint64 keys fail.
    /// </summary>
    [Theory]
    [InlineData("030", "24")]
    [InlineData("0x10", "16")]
    [InlineData("yes", "true")]
    [InlineData("1.5", "1.5")]
    [InlineData("0.1", "0.1")]
    [InlineData("1e10", "1e+10")]
    [InlineData("1234567.0", "1.234567e+06")]
    [InlineData("123456.0", "123456")]
    [InlineData("0.0001", "0.0001")]
    [InlineData("0.00001", "1e-05")]
    [InlineData(".inf", ".inf")]
    [InlineData("\"030\"", "030")]
    public void A_mapping_key_gets_the_json_name_kubectl_gives_it(string key, string name) =>
        YamlJson.ParseStream(key + ": x\n").Single().Root!.AsObject().Single().Key.ShouldBe(name);

    [Theory]
    [InlineData("~: x", "a null mapping key has no JSON name")]
    [InlineData("18446744073709551615: x", "beyond a 64-bit integer")]
    [InlineData("a: 1\n\"a\": 2", "duplicate key \"a\"")]
    [InlineData("24: a\n030: b", "duplicate key \"24\"")]
    [InlineData("? [a]\n: x", "a mapping key must be a scalar")]
    public void A_key_without_a_json_name_or_written_twice_is_refused(string yaml, string reason) =>
        Should.Throw<YamlException>(() => YamlJson.ParseStream(yaml + "\n")).Message.ShouldContain(reason);

    /// <summary>
    /// decode.go:655-664 and 786-812: a merge key's mappings are set on the mapping in order, so a key before
    /// the merge is overwritten by it and a key after it wins; in a sequence of merges the first wins.
    /// </summary>
    [Theory]
    [InlineData("base: &b {a: 1, b: 2}\nv: {<<: *b, b: 3}", """{"a":1,"b":3}""")]
    [InlineData("base: &b {a: 1, b: 2}\nv: {b: 3, <<: *b}", """{"b":2,"a":1}""")]
    [InlineData("x: &x {a: 1}\ny: &y {a: 2, c: 3}\nv: {<<: [*x, *y]}", """{"a":1,"c":3}""")]
    [InlineData("v: {<<: {a: 1}, b: 2}", """{"a":1,"b":2}""")]
    [InlineData("v: {!!merge <<: {a: 1}}", """{"a":1}""")]
    [InlineData("v: {\"<<\": {a: 1}}", """{"\u003C\u003C":{"a":1}}""")] // quoted: an ordinary key (the JSON writer escapes '<')
    [InlineData("base: &b {a: 1}\nm: {<<: *b}\nv: *b", """{"a":1}""")] // merging copies: the anchor is intact
    public void Merge_keys_expand_as_go_yaml_v2_expands_them(string yaml, string v) =>
        YamlJson.ParseStream(yaml + "\n").Single().Root!["v"]!.ToJsonString().ShouldBe(v);

    [Theory]
    [InlineData("v: {<<: 1}")]
    [InlineData("s: &s [1]\nv: {<<: *s}")]
    [InlineData("v: {<<: [{a: 1}, 2]}")]
    public void A_merge_of_anything_but_mappings_is_refused(string yaml) =>
        Should.Throw<YamlException>(() => YamlJson.ParseStream(yaml + "\n")).Message.ShouldBe("map merge requires map or sequence of maps as the value");

    [Fact]
    public void Aliases_are_copies_and_a_self_reference_is_refused()
    {
        var root = YamlJson.ParseStream("a: &a {x: [1, 2]}\nb: *a\nc: *a\n").Single().Root!;
        root["b"]!.ToJsonString().ShouldBe("""{"x":[1,2]}""");
        root["b"]!["x"]!.AsArray().Add(3);
        root["c"]!.ToJsonString().ShouldBe("""{"x":[1,2]}""");

        Should.Throw<YamlException>(() => YamlJson.ParseStream("a: &a [*a]\n")).Message.ShouldBe("anchor 'a' value contains itself");
        Should.Throw<YamlException>(() => YamlJson.ParseStream("a: *nowhere\n")).Message.ShouldBe("unknown anchor 'nowhere' referenced");
    }
}

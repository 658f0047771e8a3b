using DeadlineGuard.Json;
using DeadlineGuard.Tests.Policy;
using YamlDotNet.Core;

namespace DeadlineGuard.Tests.Json;

/// <summary>Issue 13, items 2 and 6: every limit of <see cref="YamlLimits"/> holds, at its edge, before anything large is built.</summary>
public sealed class YamlLimitsTests
{
    private static readonly YamlLimits Small = new("a test input", MaxBytes: 10_000, MaxDepth: 8, MaxValues: 1_000, MaxCharacters: 2_000);

    [Fact]
    public void Nesting_to_the_limit_is_read_and_one_level_more_is_refused_where_it_opens()
    {
        YamlJson.ParseStream(new string('[', 8) + new string(']', 8), Small).Single().Root.ShouldNotBeNull();

        var error = Should.Throw<YamlLimitException>(() => YamlJson.ParseStream(new string('[', 9) + new string(']', 9), Small));
        error.Message.ShouldBe("nesting deeper than 8 levels, the limit for a test input");
        error.Start.Column.ShouldBe(9);
    }

    [Fact]
    public void An_alias_that_would_nest_past_the_limit_is_refused_before_it_is_copied()
    {
        var yaml = "a: &deep " + new string('[', 7) + new string(']', 7) + "\nb: [*deep]\n";

        Should.Throw<YamlLimitException>(() => YamlJson.ParseStream(yaml, Small)).Message.ShouldBe("alias *deep nests deeper than 8 levels, the limit for a test input");
    }

    [Fact]
    public void The_deep_nesting_attack_is_refused_without_overflowing_the_stack()
    {
        var error = Should.Throw<YamlLimitException>(() => YamlJson.ParseStream(HostileInput.DeepNesting, YamlLimits.Policy));

        error.Message.ShouldBe("nesting deeper than 128 levels, the limit for a policy file");
    }

    /// <summary>go-yaml v2 decode.go:334-357: past 100 aliased and 1,000 values, at most 99% may come from aliases (up to 400,000 values).</summary>
    [Fact]
    public void The_billion_laughs_is_refused_by_go_yamls_alias_ratio_after_a_few_thousand_values()
    {
        var error = Should.Throw<YamlLimitException>(() => YamlJson.ParseStream(HostileInput.BillionLaughs, YamlLimits.Manifest));

        error.Message.ShouldStartWith("document contains excessive aliasing: ");
        System.Text.Encoding.UTF8.GetByteCount(HostileInput.BillionLaughs).ShouldBe(342);
    }

    [Fact]
    public void Aliasing_that_go_yaml_allows_is_read()
    {
        // 20 values, each aliased 50 times: 1,000 aliased of about 1,070 decoded, under 99%.
        var yaml = "a: &a [" + string.Join(",", Enumerable.Range(0, 18)) + "]\nb: [" + string.Join(",", Enumerable.Repeat("*a", 50)) + "]\n";

        YamlJson.ParseStream(yaml, YamlLimits.Manifest).Single().Root!["b"]!.AsArray().Count.ShouldBe(50);
    }

    [Fact]
    public void Values_past_the_limit_are_refused_aliases_counted()
    {
        var flat = "[" + string.Join(",", Enumerable.Repeat("1", 999)) + "]";
        YamlJson.ParseStream(flat, Small).Single().Root!.AsArray().Count.ShouldBe(999); // 999 items and the sequence

        Should.Throw<YamlLimitException>(() => YamlJson.ParseStream("[" + string.Join(",", Enumerable.Repeat("1", 1000)) + "]", Small))
            .Message.ShouldBe("more than 1000 values (aliases expanded), the limit for a test input");
    }

    [Fact]
    public void Characters_past_the_limit_are_refused_when_an_alias_repeats_a_long_string()
    {
        var yaml = "a: &long " + new string('x', 600) + "\nb: [*long, *long, *long]\n";

        Should.Throw<YamlLimitException>(() => YamlJson.ParseStream(yaml, Small))
            .Message.ShouldBe("more than 2000 characters of text (aliases expanded), the limit for a test input");
    }

    [Fact]
    public void Text_longer_than_the_size_limit_is_refused_before_it_is_parsed()
    {
        Should.Throw<YamlLimitException>(() => YamlJson.ParseStream("# " + new string('x', 10_000), Small))
            .Message.ShouldBe("10002 characters, more than the 10000 bytes allowed for a test input");
    }

    [Theory]
    [InlineData("a: b\u0001c", 2, "a control character (U+0001) is not allowed in YAML")]
    [InlineData("a: b\uFFFEc", 2, "a control character (U+FFFE) is not allowed in YAML")]
    [InlineData("a: b{lone}c", 2, "a lone UTF-16 surrogate (U+D800) is not allowed in YAML")] // text from stdin can hold one
    public void Characters_go_yaml_refuses_are_refused_with_their_place(string yaml, int line, string reason)
    {
        // Attribute arguments cannot carry a lone surrogate, so it is put in here.
        var text = "x: 1\n" + yaml.Replace("{lone}", "\uD800", StringComparison.Ordinal);

        var error = Should.Throw<YamlException>(() => YamlJson.ParseStream(text));

        error.Message.ShouldBe(reason);
        error.Start.Line.ShouldBe(line);
    }

    [Fact]
    public void Characters_beyond_the_basic_plane_are_text()
    {
        YamlJson.ParseStream("a: \"\U0001F600 ok\"").Single().Root!["a"]!.GetValue<string>().ShouldBe("\U0001F600 ok");
    }
}

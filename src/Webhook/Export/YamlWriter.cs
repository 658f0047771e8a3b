using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace DeadlineGuard.Export;

/// <summary>
/// Writes a JSON tree as one block-style YAML document that kubectl reads back to the same JSON: keys in their
/// order, CEL-like text (line breaks, quotes, backslashes) as literal blocks, and a string quoted wherever YAML 1.1 (go-yaml v2, kubectl) would
/// otherwise read a number, a boolean or null.
/// </summary>
public static partial class YamlWriter
{
    /// <summary>
    /// Text with any of these reads best as a literal block, where nothing is escaped: CEL with line breaks,
    /// backslashes or quotes (a literal block keeps a line break inside, and YAML quoting would double them).
    /// </summary>
    private static readonly SearchValues<char> LiteralWorthy = SearchValues.Create("\n\\'\"");

    public static string Write(JsonNode node)
    {
        using var text = new StringWriter { NewLine = "\n" };
        var emitter = new Emitter(text, 2, int.MaxValue, false);
        emitter.Emit(new StreamStart());
        emitter.Emit(new DocumentStart(null, null, isImplicit: true));
        Emit(emitter, node);
        emitter.Emit(new DocumentEnd(isImplicit: true));
        emitter.Emit(new StreamEnd());
        return text.ToString();
    }

    private static void Emit(IEmitter emitter, JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                emitter.Emit(new MappingStart(AnchorName.Empty, TagName.Empty, true, obj.Count == 0 ? MappingStyle.Flow : MappingStyle.Block));
                foreach (var (key, value) in obj)
                {
                    Emit(emitter, JsonValue.Create(key));
                    Emit(emitter, value);
                }

                emitter.Emit(new MappingEnd());
                break;
            case JsonArray array:
                emitter.Emit(new SequenceStart(AnchorName.Empty, TagName.Empty, true, array.Count == 0 ? SequenceStyle.Flow : SequenceStyle.Block));
                foreach (var item in array)
                {
                    Emit(emitter, item);
                }

                emitter.Emit(new SequenceEnd());
                break;
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                var s = value.GetValue<string>();
                var style = ReadsAsOtherThanString(s) ? ScalarStyle.DoubleQuoted
                    : s.AsSpan().IndexOfAny(LiteralWorthy) >= 0 ? ScalarStyle.Literal
                    : ScalarStyle.Plain;
                emitter.Emit(new Scalar(AnchorName.Empty, TagName.Empty, s, style, true, true));
                break;
            default:
                emitter.Emit(new Scalar(AnchorName.Empty, TagName.Empty, node?.ToJsonString() ?? "null", ScalarStyle.Plain, true, false));
                break;
        }
    }

    /// <summary>
    /// True when a plain scalar with this text would not read as a string: empty or padded text, a YAML 1.1 boolean
    /// or null word, anything that starts like a number, a timestamp or a special float.
    /// </summary>
    private static bool ReadsAsOtherThanString(string s) =>
        s.Length == 0 || char.IsWhiteSpace(s[0]) || char.IsWhiteSpace(s[^1]) || SpecialWord().IsMatch(s) || NumberLike().IsMatch(s);

    [GeneratedRegex("^(y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|null|Null|NULL|~|<<|=)$")]
    private static partial Regex SpecialWord();

    [GeneratedRegex(@"^[-+]?(\.?[0-9]|\.(inf|Inf|INF|nan|NaN|NAN))")]
    private static partial Regex NumberLike();
}

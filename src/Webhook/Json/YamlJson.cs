using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace DeadlineGuard.Json;

/// <summary>One YAML document of a stream, converted to JSON, with the line it starts on.</summary>
public sealed record YamlDocumentNode(int Index, int Line, JsonNode? Root);

/// <summary>
/// Reads YAML the way kubectl does (sigs.k8s.io/yaml on go-yaml v2, a YAML 1.1 reader): plain scalars
/// become booleans (true/false/yes/no/on/off/y/n), integers, floats or null; quoted scalars stay strings.
/// </summary>
public static partial class YamlJson
{
    /// <summary>Parses every document of a YAML stream. Throws <see cref="YamlException"/> with a position on bad YAML.</summary>
    public static IReadOnlyList<YamlDocumentNode> ParseStream(string text)
    {
        var stream = new YamlStream();
        using (var reader = new StringReader(text))
        {
            stream.Load(reader);
        }

        var documents = new List<YamlDocumentNode>(stream.Documents.Count);
        for (var i = 0; i < stream.Documents.Count; i++)
        {
            var root = stream.Documents[i].RootNode;
            documents.Add(new YamlDocumentNode(i + 1, (int)root.Start.Line, Convert(root, depth: 0)));
        }

        return documents;
    }

    private const int MaxDepth = 128;

    private static JsonNode? Convert(YamlNode node, int depth)
    {
        if (depth > MaxDepth)
        {
            throw new YamlException(node.Start, node.End, $"nesting deeper than {MaxDepth} levels");
        }

        switch (node)
        {
            case YamlMappingNode mapping:
                var obj = new JsonObject();
                foreach (var (key, value) in mapping.Children)
                {
                    if (key is not YamlScalarNode { Value: { } name })
                    {
                        throw new YamlException(key.Start, key.End, "mapping keys must be plain strings");
                    }

                    if (obj.ContainsKey(name))
                    {
                        throw new YamlException(key.Start, key.End, $"duplicate key \"{name}\"");
                    }

                    obj[name] = Convert(value, depth + 1);
                }

                return obj;
            case YamlSequenceNode sequence:
                var array = new JsonArray();
                foreach (var item in sequence.Children)
                {
                    array.Add(Convert(item, depth + 1));
                }

                return array;
            case YamlScalarNode scalar:
                return ConvertScalar(scalar);
            default:
                throw new YamlException(node.Start, node.End, $"unsupported YAML node {node.NodeType}");
        }
    }

    private static JsonNode? ConvertScalar(YamlScalarNode scalar)
    {
        var text = scalar.Value ?? string.Empty;
        if (scalar.Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted or ScalarStyle.Literal or ScalarStyle.Folded
            || (!scalar.Tag.IsEmpty && !scalar.Tag.IsNonSpecific && scalar.Tag.Value == "tag:yaml.org,2002:str"))
        {
            return JsonValue.Create(text);
        }

        switch (text)
        {
            case "" or "~" or "null" or "Null" or "NULL":
                return null;
            case "true" or "True" or "TRUE" or "yes" or "Yes" or "YES" or "on" or "On" or "ON" or "y" or "Y":
                return JsonValue.Create(true);
            case "false" or "False" or "FALSE" or "no" or "No" or "NO" or "off" or "Off" or "OFF" or "n" or "N":
                return JsonValue.Create(false);
        }

        if (LooksNumeric(text))
        {
            if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
            {
                // Parsed, not created, so that every number reads the same way as one from a JSON document.
                return JsonNode.Parse(integer.ToString(CultureInfo.InvariantCulture));
            }

            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var real) && double.IsFinite(real))
            {
                // JSON has no room for integers beyond 64 bits; they keep their digits as a JSON number.
                // YAML spells floats more loosely than JSON (".5", "5.", "00.5", "1.e3"): those take the value's own spelling.
                var json = text.TrimStart('+');
                return JsonNode.Parse(JsonNumberSyntax().IsMatch(json) ? json : real.ToString("R", CultureInfo.InvariantCulture));
            }
        }

        return JsonValue.Create(text);
    }

    [GeneratedRegex(@"^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?$", RegexOptions.CultureInvariant)]
    private static partial Regex JsonNumberSyntax();

    private static bool LooksNumeric(string text)
    {
        var start = text[0] is '+' or '-' ? 1 : 0;
        return start < text.Length && (char.IsAsciiDigit(text[start]) || (text[start] == '.' && start + 1 < text.Length && char.IsAsciiDigit(text[start + 1])));
    }
}

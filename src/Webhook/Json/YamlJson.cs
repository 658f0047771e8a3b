using YamlDotNet.Core;

namespace DeadlineGuard.Json;

/// <summary>
/// Reads YAML the way kubectl does (sigs.k8s.io/yaml on go-yaml v2, a YAML 1.1 reader): plain scalars
/// become booleans (true/false/yes/no/on/off/y/n), integers (030 octal, 0x hex, 0b binary, 1_000),
/// floats or null; quoted scalars stay strings; aliases and merge keys (<c>&lt;&lt;</c>) are expanded;
/// a key written twice in one mapping is an error. See <see cref="GoYamlScalars"/> for the rules.
/// Input from users is read within <see cref="YamlLimits"/>, and no input makes it recurse.
/// </summary>
public static class YamlJson
{
    /// <summary>Parses every document of a stream within the limits for a manifest file.</summary>
    public static IReadOnlyList<YamlDocumentNode> ParseStream(string text) => ParseStream(text, YamlLimits.Manifest);

    /// <summary>
    /// Parses every document of a YAML stream. Throws <see cref="YamlException"/> with a position on bad YAML,
    /// and <see cref="YamlLimitException"/> when the input goes past <paramref name="limits"/>.
    /// </summary>
    public static IReadOnlyList<YamlDocumentNode> ParseStream(string text, YamlLimits limits)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(limits);
        if (text.Length > limits.MaxBytes)
        {
            throw new YamlLimitException(Mark.Empty, $"{text.Length} characters, more than the {limits.MaxBytes} bytes allowed for {limits.Subject}");
        }

        CheckCharacters(text);
        var builder = new YamlTreeBuilder(limits);
        var parser = new Parser(new Scanner(new StringReader(text), skipComments: true));
        try
        {
            while (parser.MoveNext())
            {
                builder.Add(parser.Current!);
            }
        }
        catch (Exception e) when (e is not YamlException)
        {
            // The parser's own failures that are not YamlExceptions still name a place and the reason.
            var at = parser.Current?.End ?? Mark.Empty;
            throw new YamlException(at, at, $"cannot be parsed: {e.Message}");
        }

        return builder.Documents;
    }

    /// <summary>
    /// go-yaml's reader (readerc.go) refuses characters outside YAML's printable set before it parses:
    /// tab, line feed, carriage return, U+0020-U+007E, U+0085, U+00A0-U+D7FF, U+E000-U+FFFD and the planes
    /// beyond (surrogate pairs). Control characters, U+FFFE/U+FFFF and lone surrogates are refused here too.
    /// </summary>
    private static void CheckCharacters(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            var allowed = c switch
            {
                '\t' or '\n' or '\r' or '\u0085' => true,
                >= '\u0020' and <= '\u007E' => true,
                >= '\u00A0' and <= '\uD7FF' => true,
                >= '\uE000' and <= '\uFFFD' => true,
                _ when char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]) => true,
                _ => false,
            };
            if (!allowed)
            {
                var at = Position(text, i);
                var what = char.IsSurrogate(c) ? "a lone UTF-16 surrogate" : "a control character";
                throw new YamlException(at, at, $"{what} (U+{(int)c:X4}) is not allowed in YAML");
            }

            if (char.IsHighSurrogate(c))
            {
                i++;
            }
        }
    }

    private static Mark Position(string text, int index)
    {
        var line = 1;
        var lineStart = 0;
        for (var i = 0; i < index; i++)
        {
            if (text[i] == '\n')
            {
                line++;
                lineStart = i + 1;
            }
        }

        return new Mark(index, line, index - lineStart + 1);
    }
}

using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DeadlineGuard.Json;

/// <summary>
/// JSON from a user, read strictly: besides JSON's own syntax, a member name written twice in one object
/// (which the API server's strict decoding refuses as a duplicate field), a string escape that leaves a
/// lone UTF-16 surrogate (<c>"\ud800"</c>, which no JSON encoder round-trips) and nesting or size past the
/// limits are refused, each with its line. Nothing recurses.
/// </summary>
public static class StrictJson
{
    /// <summary>Parses one JSON document. Throws <see cref="JsonException"/> with a one-line message and the (0-based) line.</summary>
    public static JsonNode? Parse(string text, YamlLimits limits)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(limits);
        var bytes = Encoding.UTF8.GetBytes(text);
        Check(bytes, limits);

        // Checked: the tree can be built by System.Text.Json without surprises (its duplicate members fail late, on first access).
        return JsonNode.Parse(bytes, documentOptions: new JsonDocumentOptions { MaxDepth = limits.MaxDepth });
    }

    private static void Check(byte[] bytes, YamlLimits limits)
    {
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { MaxDepth = limits.MaxDepth });
        var names = new Stack<HashSet<string>>();
        long values = 0;
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject:
                    names.Push(new HashSet<string>(StringComparer.Ordinal));
                    values++;
                    break;
                case JsonTokenType.EndObject:
                    names.Pop();
                    break;
                case JsonTokenType.PropertyName:
                    var name = ReadString(ref reader, bytes, "member name");
                    if (!names.Peek().Add(name))
                    {
                        throw Error(bytes, reader.TokenStartIndex, $"duplicate key \"{name}\" in one object (the API server refuses duplicate fields)");
                    }

                    break;
                case JsonTokenType.String:
                    if (reader.ValueIsEscaped)
                    {
                        _ = ReadString(ref reader, bytes, "string");
                    }

                    values++;
                    break;
                case JsonTokenType.StartArray or JsonTokenType.Number or JsonTokenType.True or JsonTokenType.False or JsonTokenType.Null:
                    values++;
                    break;
            }

            if (values > limits.MaxValues)
            {
                throw Error(bytes, reader.TokenStartIndex, $"more than {limits.MaxValues} values, the limit for {limits.Subject}");
            }
        }
    }

    private static string ReadString(ref Utf8JsonReader reader, byte[] bytes, string what)
    {
        try
        {
            return reader.GetString()!;
        }
        catch (InvalidOperationException)
        {
            throw Error(bytes, reader.TokenStartIndex, $"a {what} holds an escape that is not valid UTF-16 (a lone surrogate such as \\ud800)");
        }
    }

    private static JsonException Error(byte[] bytes, long index, string message)
    {
        var line = 0;
        var lineStart = 0;
        for (var i = 0; i < index; i++)
        {
            if (bytes[i] == (byte)'\n')
            {
                line++;
                lineStart = i + 1;
            }
        }

        return new JsonException(message, path: null, lineNumber: line, bytePositionInLine: index - lineStart);
    }
}

using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace DeadlineGuard.Json;

/// <summary>
/// A JSON text parsed once into a pooled <see cref="JsonDocument"/>, refusing what the document would accept
/// but a decision must not rest on: bytes that are not UTF-8, a key repeated in an object (which copy would a
/// reader take?), a lone UTF-16 surrogate escape such as <c>"\ud800"</c> (no string can hold it), and nesting
/// deeper than asked. Elements of <see cref="Root"/> are valid until this is disposed.
/// </summary>
public sealed class StrictJsonDocument : IDisposable
{
    private readonly JsonDocument _document;
    private byte[]? _buffer;

    private StrictJsonDocument(JsonDocument document, byte[] buffer)
    {
        _document = document;
        _buffer = buffer;
    }

    public JsonElement Root => _document.RootElement;

    /// <summary>Parses <paramref name="utf8"/> (copied into pooled memory), or returns null and a one-line reason.</summary>
    public static StrictJsonDocument? TryParse(ReadOnlySequence<byte> utf8, int maxDepth, out JsonProblem? problem)
    {
        var length = checked((int)utf8.Length);
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(length, 1));
        utf8.CopyTo(buffer);
        return TryParse(buffer, length, maxDepth, out problem);
    }

    /// <inheritdoc cref="TryParse(ReadOnlySequence{byte}, int, out JsonProblem?)"/>
    public static StrictJsonDocument? TryParse(ReadOnlySpan<byte> utf8, int maxDepth, out JsonProblem? problem)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(utf8.Length, 1));
        utf8.CopyTo(buffer);
        return TryParse(buffer, utf8.Length, maxDepth, out problem);
    }

    private static StrictJsonDocument? TryParse(byte[] buffer, int length, int maxDepth, out JsonProblem? problem)
    {
        var text = buffer.AsMemory(0, length);
        var document = Parse(text, maxDepth, out problem);
        if (document is null)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            return null;
        }

        return new StrictJsonDocument(document, buffer);
    }

    private static JsonDocument? Parse(ReadOnlyMemory<byte> text, int maxDepth, out JsonProblem? problem)
    {
        // The reader checks the structure but not the bytes inside strings, which would then fail far from here.
        if (!Utf8.IsValid(text.Span))
        {
            problem = new JsonProblem(JsonProblemKind.Syntax, "it is not valid UTF-8");
            return null;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = maxDepth });
        }
        catch (JsonException e)
        {
            problem = new JsonProblem(JsonProblemKind.Syntax, FirstLine(e.Message));
            return null;
        }

        // Repeated keys are looked for on the document (cheaper than the document's own check, see DuplicateKeys);
        // only an escape \uD800-\uDFFF can be a lone surrogate, and most bodies have none (a vectorised search).
        // The finder then names the first problem and where it is.
        if ((MayHoldSurrogateEscape(text.Span) || DuplicateKeys.In(document.RootElement)) && JsonProblemFinder.Find(text.Span, maxDepth) is { } found)
        {
            document.Dispose();
            problem = found;
            return null;
        }

        problem = null;
        return document;
    }

    /// <summary>True when the text has <c>\u</c> followed by D8-DF (either case); false positives are checked by the finder.</summary>
    internal static bool MayHoldSurrogateEscape(ReadOnlySpan<byte> text)
    {
        var rest = text;
        while (true)
        {
            var at = rest.IndexOf("\\u"u8);
            if (at < 0 || at + 4 > rest.Length)
            {
                return false;
            }

            var first = rest[at + 2];
            var second = rest[at + 3];
            if (first is (byte)'d' or (byte)'D' && second is (>= (byte)'8' and <= (byte)'9') or (>= (byte)'a' and <= (byte)'f') or (>= (byte)'A' and <= (byte)'F'))
            {
                return true;
            }

            rest = rest[(at + 2)..];
        }
    }

    internal static string FirstLine(string message)
    {
        var end = message.IndexOfAny(['\r', '\n']);
        return end < 0 ? message : message[..end];
    }

    public void Dispose()
    {
        _document.Dispose();
        if (_buffer is { } buffer)
        {
            _buffer = null;
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}

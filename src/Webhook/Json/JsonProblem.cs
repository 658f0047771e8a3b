namespace DeadlineGuard.Json;

/// <summary>What is wrong with a JSON text, in one line.</summary>
public sealed record JsonProblem(JsonProblemKind Kind, string Message)
{
    /// <summary>The first line of an exception's message, for a one-line reason.</summary>
    public static string FirstLine(string message)
    {
        var end = message.IndexOfAny(['\r', '\n']);
        return end < 0 ? message : message[..end];
    }
}

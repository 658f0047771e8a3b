namespace DeadlineGuard.Json;

public enum JsonProblemKind
{
    /// <summary>Not JSON at all: syntax, encoding, depth.</summary>
    Syntax,

    /// <summary>JSON, but a key appears twice in one object.</summary>
    DuplicateKey,

    /// <summary>JSON, but a string escapes half of a UTF-16 surrogate pair.</summary>
    LoneSurrogate,
}

namespace DeadlineGuard.Json;

/// <summary>RFC 6901 JSON Pointer segments.</summary>
public static class JsonPointer
{
    /// <summary>Escapes one reference token: '~' becomes "~0" and '/' becomes "~1", in that order.</summary>
    public static string Escape(string segment) =>
        segment.Contains('~', StringComparison.Ordinal) || segment.Contains('/', StringComparison.Ordinal)
            ? segment.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal)
            : segment;

    public static string Append(string basePath, string segment) => basePath + "/" + Escape(segment);

    public static string Append(string basePath, int index) => basePath + "/" + index.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

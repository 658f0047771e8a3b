namespace DeadlineGuard.Json;

/// <summary>
/// How much YAML from a user the program reads before it refuses. The size is checked before parsing;
/// nesting, values and characters while the document is built, aliases included, so a small file cannot
/// expand into a large tree (a "billion laughs"). On top of these, aliases follow go-yaml v2's own ratio
/// rule (see <see cref="YamlJson"/>), so nothing kubectl refuses for excessive aliasing is accepted.
/// </summary>
/// <param name="Subject">What the input is, for messages ("a policy file").</param>
/// <param name="MaxBytes">Largest input, in bytes (in characters for text already in memory).</param>
/// <param name="MaxDepth">Deepest nesting of mappings and sequences.</param>
/// <param name="MaxValues">Most values (mapping keys, scalars, mappings and sequences) in one input, aliases expanded.</param>
/// <param name="MaxCharacters">Most characters in all scalars of one input, keys included, aliases expanded.</param>
public sealed record YamlLimits(string Subject, long MaxBytes, int MaxDepth, long MaxValues, long MaxCharacters)
{
    public const int DefaultDepth = 128;

    /// <summary>
    /// A policy file: 1 MiB, the most a ConfigMap can hold (a real policy is a few KB); 100,000 values
    /// (a policy with a thousand overrides has about 15,000); 4 Mi characters.
    /// </summary>
    public static YamlLimits Policy { get; } = new("a policy file", 1L << 20, DefaultDepth, 100_000, 4L << 20);

    /// <summary>
    /// One manifest file (or stdin) given to <c>review</c>: 16 MiB, five times the API server's 3 MiB request
    /// limit, room for hundreds of Rollouts in one stream; 4,000,000 values (go-yaml's "large document"
    /// mark); 64 Mi characters.
    /// </summary>
    public static YamlLimits Manifest { get; } = new("a manifest file", 16L << 20, DefaultDepth, 4_000_000, 64L << 20);
}

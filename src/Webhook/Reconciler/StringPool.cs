using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace DeadlineGuard.Reconciler;

/// <summary>
/// Shares the strings that repeat across Rollouts (namespaces, condition statuses and reasons, phases, canary step
/// kinds, label keys): each distinct short text is one string however many snapshots hold it. Looked up from the
/// reader's bytes without allocating; only short texts are pooled, and only up to <see cref="Capacity"/> of them, so
/// that unique values (names, uids) or a hostile cluster cannot grow it without bound. Thread-safe.
/// </summary>
public sealed class StringPool
{
    /// <summary>Longest text pooled, in UTF-16 units; longer ones are allocated as usual.</summary>
    public const int MaxLength = 64;

    private readonly ConcurrentDictionary<string, string> _strings = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _lookup;

    public StringPool(int capacity = 20_000)
    {
        Capacity = capacity;
        _lookup = _strings.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public int Capacity { get; }

    public int Count => _strings.Count;

    /// <summary>The pooled instance of <paramref name="text"/> (added when there is room).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public string Get(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty)
        {
            return string.Empty;
        }

        if (text.Length > MaxLength)
        {
            return new string(text);
        }

        if (_lookup.TryGetValue(text, out var pooled))
        {
            return pooled;
        }

        var created = new string(text);
        return _strings.Count < Capacity ? _strings.GetOrAdd(created, created) : created;
    }

    /// <summary>The current string token of <paramref name="reader"/>, unescaped, pooled when short.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public string Get(ref Utf8JsonReader reader)
    {
        // An unescaped value never has more UTF-16 units than UTF-8 bytes.
        if (reader.ValueSpan.Length > MaxLength)
        {
            return reader.GetString() ?? string.Empty;
        }

        Span<char> chars = stackalloc char[MaxLength];
        var length = reader.CopyString(chars);
        return Get(chars[..length]);
    }
}

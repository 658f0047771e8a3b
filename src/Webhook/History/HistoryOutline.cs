namespace DeadlineGuard.History;

/// <summary>
/// A readable history annotation, entry by entry, without the entries built. Kept in this file with
/// <see cref="EntrySpan"/>: bench/FakeApi compiles this file on its own.
/// </summary>
internal sealed class HistoryOutline(IReadOnlyList<EntrySpan> entries)
{
    public static HistoryOutline Empty { get; } = new([]);

    public IReadOnlyList<EntrySpan> Entries { get; } = entries;

    public int Count => Entries.Count;

    public long LastSeq => Entries.Count == 0 ? 0 : Entries[^1].Seq;
}

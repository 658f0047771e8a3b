namespace DeadlineGuard.History;

/// <summary>
/// What the history annotation must become after a write, and what to tell the client. <see cref="Changed"/>
/// says whether it differs from what the client sent; then <see cref="Annotation"/> is the value to write
/// (null: remove it). <see cref="Added"/> is the entry of the revision this write starts, if any.
/// </summary>
public sealed record HistoryUpdate(bool Changed, string? Annotation, RevisionEntry? Added, IReadOnlyList<string> Warnings);

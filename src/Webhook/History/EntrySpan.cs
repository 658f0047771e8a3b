namespace DeadlineGuard.History;

/// <summary>Where one entry lies in a history annotation's UTF-8 text (end exclusive), and its seq.</summary>
internal readonly record struct EntrySpan(int Start, int End, long Seq);

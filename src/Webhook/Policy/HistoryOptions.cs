namespace DeadlineGuard.Policy;

public sealed record HistoryOptions(int Limit);

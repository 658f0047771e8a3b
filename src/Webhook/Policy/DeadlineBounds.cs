namespace DeadlineGuard.Policy;

public sealed record DeadlineBounds(int MinSeconds, int MaxSeconds);

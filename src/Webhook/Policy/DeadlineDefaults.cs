namespace DeadlineGuard.Policy;

public sealed record DeadlineDefaults(int ProgressDeadlineSeconds, bool ProgressDeadlineAbort);

namespace DeadlineGuard.Reconciler;

/// <summary>Exponential backoff with jitter: 1 s, 2 s, 4 s ... up to a cap.</summary>
public static class Backoff
{
    public static TimeSpan Delay(int failures, TimeSpan cap)
    {
        var seconds = Math.Min(cap.TotalSeconds, Math.Pow(2, Math.Min(failures - 1, 16)));
#pragma warning disable CA5394 // jitter, not security
        var jitter = 0.8 + (Random.Shared.NextDouble() * 0.4);
#pragma warning restore CA5394
        return TimeSpan.FromSeconds(Math.Min(cap.TotalSeconds, seconds * jitter));
    }
}

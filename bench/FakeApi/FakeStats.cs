namespace DeadlineGuard.Bench.FakeApi;

/// <summary>Request counters and the aborts received, read by GET /fake/stats.</summary>
internal sealed class FakeStats
{
    public long Pages;
    public long Lists;
    public long Watches;
    public long Bookmarks;
    public long Events;
    public long ReportProbes;
    public long Other;
    public string? LastOther;

    /// <summary>Every status patch received: which Rollout, when.</summary>
    public List<(string Rollout, DateTimeOffset At)> Aborts { get; } = [];
}

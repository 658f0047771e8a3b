using System.Globalization;

namespace DeadlineGuard.Reconciler;

/// <summary>
/// CPU time of the calling thread, for the log's account of what judging a list cost (a wall-clock figure says more
/// about how busy the node is than about the work). Linux's /proc/thread-self/schedstat (nanoseconds on CPU); where
/// that is missing, the whole process's CPU time.
/// </summary>
public static class ThreadCpu
{
    private const string SchedStat = "/proc/thread-self/schedstat";

    public static TimeSpan Now()
    {
        try
        {
            var text = File.ReadAllText(SchedStat);
            var end = text.IndexOf(' ', StringComparison.Ordinal);
            if (end > 0 && long.TryParse(text.AsSpan(0, end), NumberStyles.None, CultureInfo.InvariantCulture, out var nanoseconds))
            {
                return TimeSpan.FromTicks(nanoseconds / 100);
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return Environment.CpuUsage.TotalTime;
    }
}

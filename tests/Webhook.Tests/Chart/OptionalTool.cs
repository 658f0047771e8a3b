using DeadlineGuard.Tests.Support;

namespace DeadlineGuard.Tests.Chart;

/// <summary>
/// Tests that need a program the machine may lack (helm, node): skipped with the reason on a developer machine,
/// failed under CI (<see cref="TestPaths.IsCi"/>), where the program must be there. The calling test must be a
/// <c>[SkippableFact]</c> or <c>[SkippableTheory]</c>.
/// </summary>
public static class OptionalTool
{
    /// <summary>Does nothing when <paramref name="missing"/> is null; otherwise skips, or fails under CI, with it as the reason.</summary>
    public static void Require(string? missing)
    {
        if (missing is null)
        {
            return;
        }

        if (TestPaths.IsCi)
        {
            throw new InvalidOperationException(missing + " (CI=true: this test must run here, not be skipped)");
        }

        Skip.If(true, missing);
    }

    /// <summary>Where the tests keep downloaded tools: $XDG_CACHE_HOME or ~/.cache, then rollout-deadline-guard/. Outside the checkout.</summary>
    public static string CacheDirectory
    {
        get
        {
            var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            var root = string.IsNullOrEmpty(xdg)
                ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache")
                : xdg;
            return Path.Combine(root, "rollout-deadline-guard");
        }
    }

    /// <summary>
    /// Runs <paramref name="work"/> holding an exclusive lock on <paramref name="lockFile"/>, so that two test processes
    /// never download into the same place at once; waits up to <paramref name="wait"/> for the other one to finish.
    /// </summary>
    public static T WithFileLock<T>(string lockFile, TimeSpan wait, Func<T> work)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(lockFile)!);
        var deadline = DateTime.UtcNow + wait;
        while (true)
        {
            FileStream? held = null;
            try
            {
                held = new FileStream(lockFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                // another process holds it: poll (a lock file has no wait primitive)
                Thread.Sleep(TimeSpan.FromMilliseconds(250));
                continue;
            }
            catch (IOException e)
            {
                throw new TimeoutException($"{lockFile} stayed locked by another process for {wait.TotalSeconds:0} s; remove it if no test run is active", e);
            }

            using (held)
            {
                return work();
            }
        }
    }
}

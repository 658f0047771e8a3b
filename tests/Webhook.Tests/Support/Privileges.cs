namespace DeadlineGuard.Tests.Support;

/// <summary>Tests that run the program as another user, as the image does (uid 64198, no passwd entry), need root.</summary>
public static class Privileges
{
    /// <summary>The image's user and group (Dockerfile USER, the chart's runAsUser, runAsGroup and fsGroup).</summary>
    public const int ImageUser = 64198;

    public static bool CanRunAsAnotherUser => Environment.IsPrivilegedProcess && File.Exists("/usr/bin/setpriv") | File.Exists("/bin/setpriv");

    /// <summary>
    /// Skips the calling test when the program cannot be run as another uid here (not root, or no setpriv). Under CI
    /// (<c>CI=true</c>) it must run, so the lack fails the test instead. The test must be a <c>[SkippableFact]</c>.
    /// </summary>
    public static void RequireRunAsAnotherUser(string what)
    {
        if (CanRunAsAnotherUser)
        {
            return;
        }

        var reason = $"{what} runs the program as uid {ImageUser} with setpriv (util-linux), which needs root: run the tests as root (CI does)";
        if (TestPaths.IsCi)
        {
            throw new InvalidOperationException(reason + "; CI must run this test");
        }

        Skip.If(true, reason);
    }

    /// <summary>Lets <see cref="ImageUser"/> read a folder the test made (temporary folders are created 0700).</summary>
    public static void OpenToOthers(string folder)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        foreach (var entry in new DirectoryInfo(folder).EnumerateFileSystemInfos("*", SearchOption.AllDirectories).Where(e => e.LinkTarget is null).Prepend(new DirectoryInfo(folder)))
        {
            entry.UnixFileMode |= UnixFileMode.OtherRead | UnixFileMode.GroupRead | (entry is DirectoryInfo ? UnixFileMode.OtherExecute | UnixFileMode.GroupExecute : 0);
        }
    }
}

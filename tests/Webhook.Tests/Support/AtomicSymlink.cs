namespace DeadlineGuard.Tests.Support;

/// <summary>What the kubelet's atomic writer does for ConfigMap and Secret volumes: rename(2) a new symlink over "..data".</summary>
public static class AtomicSymlink
{
    /// <summary>Points <paramref name="link"/> (in <paramref name="folder"/>) at <paramref name="target"/> with one rename; File.Move refuses links to folders.</summary>
    public static void Swap(string folder, string link, string target)
    {
        var temporary = Path.Combine(folder, link + "_tmp");
        File.CreateSymbolicLink(temporary, target);
        using var mv = System.Diagnostics.Process.Start("mv", ["-T", "-f", temporary, Path.Combine(folder, link)])!;
        mv.WaitForExit();
        if (mv.ExitCode != 0)
        {
            throw new IOException($"mv -T {temporary} failed with {mv.ExitCode}");
        }
    }
}

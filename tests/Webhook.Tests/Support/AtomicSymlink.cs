namespace DeadlineGuard.Tests.Support;

/// <summary>
/// Steps 8 and 9 of the kubelet's AtomicWriter alone: a new symlink renamed over an existing one. For a whole volume
/// (timestamped folder, nested paths, one link per top-level name, removal of the old folder) use <see cref="AtomicWriter"/>.
/// </summary>
public static class AtomicSymlink
{
    /// <summary>Points <paramref name="link"/> (in <paramref name="folder"/>) at <paramref name="target"/> with one rename(2).</summary>
    public static void Swap(string folder, string link, string target)
    {
        var temporary = Path.Combine(folder, link + "_tmp");
        File.CreateSymbolicLink(temporary, target);
        AtomicWriter.Rename(temporary, Path.Combine(folder, link));
    }
}

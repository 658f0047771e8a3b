using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace DeadlineGuard.Tests.Support;

/// <summary>
/// A double of the kubelet's AtomicWriter, which fills and renews Secret, ConfigMap, projected and downward-API
/// volumes: kubernetes/kubernetes <c>pkg/volume/util/atomic_writer.go</c> (the algorithm of v1.30 and later, read at
/// openshift/kubernetes 308284824fe4, whose Write is upstream's). Its steps, numbered as upstream's comment numbers them:
/// <list type="number">
/// <item>The payload paths are validated: relative, no <c>..</c> element, the first element not starting with <c>..</c>
/// (names starting with <c>..</c> are the writer's own).</item>
/// <item>The current timestamped folder is read from the <c>..data</c> symlink (none on the first write).</item>
/// <item>The old timestamped folder is walked; its paths that are neither in the payload nor a parent folder of a
/// payload path are to be removed.</item>
/// <item>When every payload file already holds the same bytes and nothing is to be removed, no folder is written; the
/// user-visible links are still made (kubernetes#121472) and the old folder is kept.</item>
/// <item>A new folder <c>..YYYY_MM_DD_hh_mm_ss.NNN</c> (UTC time, random suffix: <c>os.MkdirTemp</c>) is made in the
/// volume root and set to mode 0755.</item>
/// <item>Each payload file is written in it, parent folders made as needed, then set to its mode (the volume's
/// <c>defaultMode</c> or the item's <c>mode</c>).</item>
/// <item>With the pod's <c>fsGroup</c>, ownership is applied (pkg/volume/volume_linux.go SetVolumeOwnership, walking the
/// volume): every entry's group becomes fsGroup, files get <c>mode | 0440</c> (the read-only mask of Secret and projected
/// volumes), folders <c>mode | 0550</c> and the setgid bit. Without fsGroup, nothing.</item>
/// <item>A symlink <c>..data_tmp</c> is made pointing at the new folder's name (relative).</item>
/// <item><c>..data_tmp</c> is renamed over <c>..data</c> with rename(2): one atomic step, in the volume ROOT.</item>
/// <item>For each payload path, ONE symlink per TOP-LEVEL name is made when missing: <c>policy.yaml -&gt; ..data/policy.yaml</c>,
/// <c>tls -&gt; ..data/tls</c> for <c>tls/tls.crt</c> (so <c>tls/</c> resolves into the timestamped folder of the moment).</item>
/// <item>Top-level user-visible paths that left the payload are removed (nested ones go with their folder).</item>
/// <item>The previous timestamped folder is removed with everything in it.</item>
/// </list>
/// Upstream's comment on the type: "Consumers of the target directory can monitor the ..data symlink using inotify or
/// fanotify to receive events when the content in the volume is updated."
/// </summary>
public sealed class AtomicWriter
{
    public const string DataDirName = "..data";
    public const string NewDataDirName = "..data_tmp";

    private readonly string _targetDir;
    private readonly int? _fsGroup;

    /// <summary>Upstream's NewAtomicWriter: the target folder (the volume root) must exist. <paramref name="fsGroup"/>: the pod's securityContext.fsGroup.</summary>
    public AtomicWriter(string targetDir, int? fsGroup = null)
    {
        if (!Directory.Exists(targetDir))
        {
            throw new DirectoryNotFoundException(targetDir);
        }

        _targetDir = targetDir;
        _fsGroup = fsGroup;
    }

    /// <summary>The timestamped folder <c>..data</c> points at now (its name), or null before the first write.</summary>
    public string? CurrentDataDir => new FileInfo(Path.Combine(_targetDir, DataDirName)).LinkTarget;

    /// <summary>Projects the payload (relative path → content) with one file mode, as a volume with <c>defaultMode</c> does.</summary>
    public void Write(IReadOnlyDictionary<string, string> payload, UnixFileMode mode) =>
        Write(payload.ToDictionary(p => p.Key, p => (Encoding.UTF8.GetBytes(p.Value), mode)));

    /// <summary>Upstream's Write, step by step (see the type's comment).</summary>
    public void Write(IReadOnlyDictionary<string, (byte[] Data, UnixFileMode Mode)> payload)
    {
        // (1)
        var clean = payload.ToDictionary(p => Validate(p.Key), p => p.Value, StringComparer.Ordinal);

        // (2)
        var dataDirPath = Path.Combine(_targetDir, DataDirName);
        var oldTsDir = CurrentDataDir;
        var oldTsPath = oldTsDir is null ? null : Path.Combine(_targetDir, oldTsDir);

        var pathsToRemove = new HashSet<string>(StringComparer.Ordinal);
        var shouldWrite = true;
        if (oldTsPath is not null)
        {
            // (3)
            pathsToRemove = PathsToRemove(clean, oldTsPath);

            // (4)
            if (!clean.Any(p => ShouldWriteFile(Path.Combine(oldTsPath, p.Key), p.Value.Data)) && pathsToRemove.Count == 0)
            {
                shouldWrite = false;
                oldTsDir = null;
            }
        }

        if (shouldWrite)
        {
            // (5)
            var tsDir = NewTimestampDir();
            var tsDirName = Path.GetFileName(tsDir);

            // (6)
            foreach (var (path, (data, mode)) in clean)
            {
                var full = Path.Combine(tsDir, path);
                // os.MkdirAll(baseDir, os.ModePerm): 0777 less the kubelet's umask (0022).
                Directory.CreateDirectory(Path.GetDirectoryName(full)!);
                File.WriteAllBytes(full, data);
                SetMode(full, mode);
            }

            // (7)
            if (_fsGroup is { } group)
            {
                SetVolumeOwnership(new DirectoryInfo(_targetDir), group);
            }

            // (8)
            var newDataDirPath = Path.Combine(_targetDir, NewDataDirName);
            File.CreateSymbolicLink(newDataDirPath, tsDirName);

            // (9)
            Rename(newDataDirPath, dataDirPath);
        }

        // (10)
        foreach (var path in clean.Keys)
        {
            var linkName = path.Split('/')[0];
            var visible = Path.Combine(_targetDir, linkName);
            if (new FileInfo(visible).LinkTarget is null && !File.Exists(visible) && !Directory.Exists(visible))
            {
                File.CreateSymbolicLink(visible, Path.Combine(DataDirName, linkName));
            }
        }

        // (11)
        foreach (var path in pathsToRemove.Where(p => !p.Contains('/', StringComparison.Ordinal)))
        {
            File.Delete(Path.Combine(_targetDir, path));
        }

        // (12)
        if (oldTsDir is not null)
        {
            Directory.Delete(Path.Combine(_targetDir, oldTsDir), recursive: true);
        }
    }

    /// <summary>rename(2): replaces <paramref name="to"/> atomically, whatever it is (a symlink to a folder included).</summary>
    public static void Rename(string from, string to)
    {
        if (NativeRename(from, to) != 0)
        {
            throw new IOException($"rename {from} -> {to} failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    private static string Validate(string path)
    {
        var items = path.Split('/');
        if (path.Length == 0 || path.StartsWith('/') || items.Contains("..") || (items[0].StartsWith("..", StringComparison.Ordinal) && items[0].Length > 2))
        {
            throw new ArgumentException($"invalid path: {path}", nameof(path));
        }

        return string.Join('/', items.Where(i => i.Length > 0 && i != "."));
    }

    private static HashSet<string> PathsToRemove(Dictionary<string, (byte[] Data, UnixFileMode Mode)> payload, string oldTsPath)
    {
        if (!Directory.Exists(oldTsPath))
        {
            return [];
        }

        var current = Directory.EnumerateFileSystemEntries(oldTsPath, "*", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(oldTsPath, p).Replace(Path.DirectorySeparatorChar, '/'));
        var kept = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in payload.Keys)
        {
            for (var sub = file; sub.Length > 0; sub = sub.Contains('/', StringComparison.Ordinal) ? sub[..sub.LastIndexOf('/')] : string.Empty)
            {
                kept.Add(sub);
            }
        }

        return current.Where(p => !kept.Contains(p)).ToHashSet(StringComparer.Ordinal);
    }

    private static bool ShouldWriteFile(string path, byte[] content) =>
        !File.Exists(path) || !File.ReadAllBytes(path).AsSpan().SequenceEqual(content);

    private string NewTimestampDir()
    {
        while (true)
        {
            var name = ".." + DateTime.UtcNow.ToString("yyyy_MM_dd_HH_mm_ss.", CultureInfo.InvariantCulture)
                + ((uint)Random.Shared.NextInt64(uint.MaxValue)).ToString(CultureInfo.InvariantCulture);
            var path = Path.Combine(_targetDir, name);
            if (Directory.Exists(path))
            {
                continue;
            }

            Directory.CreateDirectory(path);
            SetMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
            return path;
        }
    }

    /// <summary>SetVolumeOwnership: group fsGroup, files | 0440, folders | 0550 and setgid; symlinks are left as they are.</summary>
    private static void SetVolumeOwnership(FileSystemInfo entry, int group)
    {
        if (NativeChown(entry.FullName, -1, group) != 0)
        {
            throw new IOException($"chown :{group} {entry.FullName} failed: errno {Marshal.GetLastPInvokeError()}");
        }

        const UnixFileMode readOnly = UnixFileMode.UserRead | UnixFileMode.GroupRead;
        if (entry is DirectoryInfo folder)
        {
            SetMode(folder.FullName, GetMode(folder.FullName) | readOnly | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.SetGroup);
            foreach (var child in folder.EnumerateFileSystemInfos().Where(e => e.LinkTarget is null))
            {
                SetVolumeOwnership(child, group);
            }
        }
        else
        {
            SetMode(entry.FullName, GetMode(entry.FullName) | readOnly);
        }
    }

    private static UnixFileMode GetMode(string path) =>
        OperatingSystem.IsWindows() ? throw new PlatformNotSupportedException() : File.GetUnixFileMode(path);

    private static void SetMode(string path, UnixFileMode mode)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("the kubelet's AtomicWriter double models Linux volumes");
        }

        File.SetUnixFileMode(path, mode);
    }

    [DllImport("libc", EntryPoint = "chown", SetLastError = true)]
    private static extern int NativeChown([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int owner, int group);

    [DllImport("libc", EntryPoint = "rename", SetLastError = true)]
    private static extern int NativeRename([MarshalAs(UnmanagedType.LPUTF8Str)] string from, [MarshalAs(UnmanagedType.LPUTF8Str)] string to);
}

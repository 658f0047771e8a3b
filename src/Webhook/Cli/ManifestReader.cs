using System.Text.Json;
using System.Text.Json.Nodes;
using DeadlineGuard.Json;
using YamlDotNet.Core;

namespace DeadlineGuard.Cli;

/// <summary>One document of an input: where it came from and its JSON tree.</summary>
public sealed record ManifestDocument(string Source, int Index, int Line, JsonNode? Root);

/// <summary>Reads manifests from files, directories (recursively: *.yaml, *.yml, *.json) and '-' for stdin.</summary>
public static class ManifestReader
{
    private static readonly string[] Extensions = [".yaml", ".yml", ".json"];

    /// <summary>Every document found, in order; problems (unreadable paths, bad YAML) are collected, not thrown.</summary>
    public static IReadOnlyList<ManifestDocument> Read(IEnumerable<string> paths, TextReader stdin, List<string> problems)
    {
        var documents = new List<ManifestDocument>();
        foreach (var path in paths)
        {
            if (path == "-")
            {
                documents.AddRange(Parse("(stdin)", stdin.ReadToEnd(), problems, json: false));
            }
            else if (Directory.Exists(path))
            {
                var files = Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories)
                    .Where(f => Extensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase))
                    .Order(StringComparer.Ordinal);
                foreach (var file in files)
                {
                    documents.AddRange(ReadFile(file, problems));
                }
            }
            else if (File.Exists(path))
            {
                documents.AddRange(ReadFile(path, problems));
            }
            else
            {
                problems.Add($"{path}: no such file or directory");
            }
        }

        return documents;
    }

    private static IEnumerable<ManifestDocument> ReadFile(string path, List<string> problems)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problems.Add($"{path}: cannot be read: {e.Message}");
            return [];
        }

        return Parse(path, text, problems, json: path.EndsWith(".json", StringComparison.OrdinalIgnoreCase));
    }

    public static IReadOnlyList<ManifestDocument> Parse(string source, string text, List<string> problems, bool json)
    {
        var documents = new List<ManifestDocument>();
        try
        {
            if (json)
            {
                var root = JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { MaxDepth = 128 });
                documents.Add(new ManifestDocument(source, 1, 1, root));
            }
            else
            {
                documents.AddRange(YamlJson.ParseStream(text).Select(d => new ManifestDocument(source, d.Index, d.Line, d.Root)));
            }
        }
        catch (JsonException e)
        {
            problems.Add($"{source}: not valid JSON at line {(e.LineNumber ?? 0) + 1}: {e.Message}");
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

using System.Text.Json.Nodes;
using DeadlineGuard.Json;

namespace DeadlineGuard.Tests.Chart;

/// <summary>The Helm chart's own files: values.yaml and values.schema.json (what the chart renders comes from <see cref="RenderedChart"/>).</summary>
public static class ChartFiles
{
    public static string Directory => RenderedChart.ChartDirectory;

    public static string ValuesPath => Path.Combine(Directory, "values.yaml");

    public static string SchemaPath => Path.Combine(Directory, "values.schema.json");

    public static string TemplatesDirectory => Path.Combine(Directory, "templates");

    public static string ValuesText { get; } = File.ReadAllText(ValuesPath);

    public static JsonObject Values { get; } = YamlJson.ParseStream(ValuesText).Single().Root as JsonObject
        ?? throw new InvalidOperationException("values.yaml is not a mapping");

    /// <summary>Every manifest template under templates/ (helpers and NOTES.txt excluded), with '/' separators.</summary>
    public static IReadOnlyList<string> ManifestNames { get; } = System.IO.Directory
        .EnumerateFiles(TemplatesDirectory, "*.yaml", SearchOption.AllDirectories)
        .Select(p => Path.GetRelativePath(TemplatesDirectory, p).Replace('\\', '/'))
        .Order(StringComparer.Ordinal)
        .ToList();

    /// <summary>Every leaf path of a JSON tree (dotted), with empty objects and arrays counted as leaves.</summary>
    public static IEnumerable<string> LeafPaths(JsonNode? node, string prefix = "")
    {
        if (node is JsonObject obj && obj.Count > 0)
        {
            foreach (var (key, child) in obj)
            {
                foreach (var path in LeafPaths(child, prefix.Length == 0 ? key : $"{prefix}.{key}"))
                {
                    yield return path;
                }
            }
        }
        else
        {
            yield return prefix;
        }
    }
}

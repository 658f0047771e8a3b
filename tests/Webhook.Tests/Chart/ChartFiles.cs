using System.Text.Json.Nodes;
using DeadlineGuard.Json;
using DeadlineGuard.Tests.Support;

namespace DeadlineGuard.Tests.Chart;

/// <summary>The Helm chart's files, read once: values, schema, templates and their static YAML (see <see cref="GoTemplateText"/>).</summary>
public static class ChartFiles
{
    public static string Directory { get; } = Path.Combine(TestPaths.RepositoryRoot, "charts", "rollout-deadline-guard");

    public static string ValuesPath => Path.Combine(Directory, "values.yaml");

    public static string SchemaPath => Path.Combine(Directory, "values.schema.json");

    public static string TemplatesDirectory => Path.Combine(Directory, "templates");

    public static string ValuesText { get; } = File.ReadAllText(ValuesPath);

    public static JsonObject Values { get; } = YamlJson.ParseStream(ValuesText).Single().Root as JsonObject
        ?? throw new InvalidOperationException("values.yaml is not a mapping");

    public static IReadOnlyDictionary<string, string> Defines { get; } =
        GoTemplateText.Defines(File.ReadAllText(Path.Combine(TemplatesDirectory, "_helpers.tpl")));

    public static GoTemplateText Renderer { get; } = new(Values, Defines);

    /// <summary>Every template file (manifests, helpers, NOTES.txt, tests/), relative to templates/, with '/' separators.</summary>
    public static IReadOnlyList<string> TemplateNames { get; } = System.IO.Directory
        .EnumerateFiles(TemplatesDirectory, "*", SearchOption.AllDirectories)
        .Select(p => Path.GetRelativePath(TemplatesDirectory, p).Replace('\\', '/'))
        .Order(StringComparer.Ordinal)
        .ToList();

    /// <summary>The templates that render Kubernetes objects.</summary>
    public static IReadOnlyList<string> ManifestNames { get; } = TemplateNames.Where(n => n.EndsWith(".yaml", StringComparison.Ordinal)).ToList();

    public static string Template(string name) => File.ReadAllText(Path.Combine(TemplatesDirectory, name));

    /// <summary>The objects a manifest template renders with the default values, as far as they can be known statically.</summary>
    public static IReadOnlyList<JsonObject> StaticObjects(string name) =>
        YamlJson.ParseStream(Renderer.StaticYaml(Template(name)))
            .Select(d => d.Root)
            .OfType<JsonObject>()
            .ToList();

    /// <summary>The one object a manifest template renders.</summary>
    public static JsonObject StaticObject(string name) => StaticObjects(name) switch
    {
        [var single] => single,
        var many => throw new InvalidOperationException($"{name} renders {many.Count} objects statically, expected one"),
    };

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

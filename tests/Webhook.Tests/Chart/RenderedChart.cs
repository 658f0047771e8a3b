using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using DeadlineGuard.Json;
using DeadlineGuard.Tests.Support;

namespace DeadlineGuard.Tests.Chart;

/// <summary>
/// What `helm template` renders for one <see cref="ChartConfiguration"/>, parsed into objects. Each configuration is
/// rendered once per test run (the first test that asks renders it; the others share the result).
/// </summary>
public sealed class RenderedChart
{
    /// <summary>The Kubernetes version rendered for: the chart's minimum (Chart.yaml kubeVersion), so that helm 3 and 4 agree.</summary>
    public const string KubeVersion = "1.30.0";

    private static readonly ConcurrentDictionary<string, Lazy<RenderedChart>> Rendered = new(StringComparer.Ordinal);

    private RenderedChart(ChartConfiguration configuration, string manifest, IReadOnlyList<RenderedObject> objects)
    {
        Configuration = configuration;
        Manifest = manifest;
        Objects = objects;
    }

    public static string ChartDirectory { get; } = Path.Combine(TestPaths.RepositoryRoot, "charts", "rollout-deadline-guard");

    public ChartConfiguration Configuration { get; }

    /// <summary>helm's output as text.</summary>
    public string Manifest { get; }

    /// <summary>Every object, hooks and test hooks included, in helm's output order.</summary>
    public IReadOnlyList<RenderedObject> Objects { get; }

    /// <summary>The objects Helm applies as the release (everything that is not a hook).</summary>
    public IEnumerable<RenderedObject> ReleaseObjects => Objects.Where(o => !o.IsHook);

    /// <summary>The rendering of a configuration of <see cref="ChartConfiguration.All"/>; skips (fails under CI) without helm.</summary>
    public static RenderedChart Of(string configurationName) => Of(ChartConfiguration.Named(configurationName));

    /// <inheritdoc cref="Of(string)"/>
    public static RenderedChart Of(ChartConfiguration configuration)
    {
        _ = HelmTool.Binary; // skip here, per test, rather than caching the skip in the Lazy
        return Rendered.GetOrAdd(configuration.Name, _ => new Lazy<RenderedChart>(() => Render(configuration))).Value;
    }

    /// <summary>Runs `helm template` (or another helm command over the chart) with the configuration's release, namespace and values.</summary>
    public static ProcessOutcome Helm(string command, ChartConfiguration configuration, params string[] more)
    {
        var values = Path.Combine(Path.GetTempPath(), $"rdg-values-{Guid.NewGuid():N}.json");
        File.WriteAllText(values, configuration.Values.ToJsonString());
        try
        {
            string[] arguments = command == "lint"
                ? ["lint", ChartDirectory, "--strict", "--namespace", configuration.Namespace, "--kube-version", KubeVersion, "--values", values]
                : [command, configuration.Release, ChartDirectory, "--namespace", configuration.Namespace, "--kube-version", KubeVersion, "--values", values];
            return HelmTool.Run(arguments.Concat(more));
        }
        finally
        {
            File.Delete(values);
        }
    }

    /// <summary>Parses helm's multi-document output; each document keeps the template named by its "# Source:" line.</summary>
    public static IReadOnlyList<RenderedObject> Parse(string manifest)
    {
        var objects = new List<RenderedObject>();
        foreach (var document in manifest.Replace("\r\n", "\n", StringComparison.Ordinal).Split("\n---\n"))
        {
            var source = document.Split('\n').FirstOrDefault(l => l.StartsWith("# Source: ", StringComparison.Ordinal))?["# Source: ".Length..].Trim();
            var parsed = YamlJson.ParseStream(document);
            foreach (var root in parsed.Select(d => d.Root).OfType<JsonObject>())
            {
                objects.Add(new RenderedObject(source ?? throw new InvalidOperationException("a rendered document without a # Source: line:\n" + document), root));
            }
        }

        return objects;
    }

    /// <summary>The objects rendered from one template file (name under templates/).</summary>
    public IReadOnlyList<RenderedObject> FromTemplate(string template) => Objects.Where(o => o.Template == template).ToList();

    /// <summary>The one object rendered from a template file; throws when there is not exactly one.</summary>
    public RenderedObject Single(string template) => FromTemplate(template) switch
    {
        [var one] => one,
        var many => throw new InvalidOperationException($"{Configuration}: {template} rendered {many.Count} objects, expected one"),
    };

    /// <summary>The objects of a kind.</summary>
    public IReadOnlyList<RenderedObject> OfKind(string kind) => Objects.Where(o => o.Kind == kind).ToList();

    /// <summary>The object of a kind and name; throws when absent.</summary>
    public RenderedObject Get(string kind, string name) =>
        Objects.SingleOrDefault(o => o.Kind == kind && o.Name == name)
        ?? throw new InvalidOperationException($"{Configuration}: no {kind} {name} rendered; there are {string.Join(", ", OfKind(kind).Select(o => o.Name))}");

    private static RenderedChart Render(ChartConfiguration configuration)
    {
        var outcome = Helm("template", configuration);
        if (outcome.ExitCode != 0)
        {
            throw new InvalidOperationException($"helm template failed for {configuration}: {outcome.Said}");
        }

        return new RenderedChart(configuration, outcome.Stdout, Parse(outcome.Stdout));
    }
}

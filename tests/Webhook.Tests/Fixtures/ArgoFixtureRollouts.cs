using System.Text.Json.Nodes;
using DeadlineGuard.Cli;
using DeadlineGuard.Json;
using DeadlineGuard.Tests.Support;

namespace DeadlineGuard.Tests.Fixtures;

/// <summary>The Rollout documents of the unmodified upstream Argo manifests, named by file and document number.</summary>
public static class ArgoFixtureRollouts
{
    public const string Crd = "rollout-crd-v1.9.1.yaml";

    /// <summary>The fixture upstream expects to fail (test/e2e/expectedfailures): a container asks for "memory: invalid".</summary>
    public const string Malformed = "malformed-rollout.yaml";

    /// <summary>
    /// Every (file, document) pair whose document is kind Rollout, in file order. Without the fixtures, one row
    /// whose test skips (see <see cref="TestPaths.RequireArgoFixtures"/>), so the theory reports why.
    /// </summary>
    public static TheoryData<string, int> All()
    {
        var data = new TheoryData<string, int>();
        if (!TestPaths.HasArgoFixtures)
        {
            data.Add("(upstream fixtures not present)", 0);
            return data;
        }

        foreach (var file in ManifestFiles())
        {
            foreach (var document in Read(file).Where(d => IsRollout(d.Root)))
            {
                data.Add(file, document.Index);
            }
        }

        return data;
    }

    /// <summary>A fresh copy of document <paramref name="index"/> (1-based) of <paramref name="file"/>.</summary>
    public static JsonObject Load(string file, int index)
    {
        TestPaths.RequireArgoFixtures();
        var document = Read(file).Single(d => d.Index == index);
        return document.Root as JsonObject ?? throw new InvalidOperationException($"{file} document {index} is not a mapping");
    }

    private static IEnumerable<string> ManifestFiles() =>
        Directory.EnumerateFiles(TestPaths.ArgoFixtures, "*.yaml")
            .Select(Path.GetFileName)
            .OfType<string>()
            .Where(name => name != Crd)
            .Order(StringComparer.Ordinal);

    private static IReadOnlyList<ManifestDocument> Read(string file)
    {
        var problems = new List<string>();
        var path = Path.Combine(TestPaths.ArgoFixtures, file);
        var documents = ManifestReader.Parse(path, File.ReadAllText(path), problems, json: false);
        return problems.Count == 0 ? documents : throw new InvalidOperationException(string.Join("; ", problems));
    }

    private static bool IsRollout(JsonNode? root) =>
        root is JsonObject obj && JsonValues.GetString(obj["kind"]) == "Rollout" && JsonValues.GetString(obj["apiVersion"]) == "argoproj.io/v1alpha1";
}

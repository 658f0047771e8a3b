using System.Text.Json.Nodes;
using DeadlineGuard.Tests.Chart;

namespace DeadlineGuard.Tests.Export;

/// <summary>
/// Runs tests/cel/export-policy.mjs (@bufbuild/cel under node) once over many requests: the exported policies
/// evaluated as the API server evaluates them. Needs node and npm (the test skips without them, and fails under CI).
/// </summary>
public static class ExportedPolicyCel
{
    /// <summary>Each case's result (mutation, mutated, validation, validationAfterMutation), by id.</summary>
    public static IReadOnlyDictionary<string, JsonObject> Evaluate(string exportYaml, IEnumerable<CelCase> cases)
    {
        OptionalTool.Require(CelMatchConditionTests.Installed.Value);
        var input = Path.Combine(Path.GetTempPath(), $"rdg-export-cel-{Guid.NewGuid():N}.json");
        File.WriteAllText(input, new JsonObject
        {
            ["export"] = exportYaml,
            ["cases"] = new JsonArray([.. cases.Select(c => c.ToJson())]),
        }.ToJsonString());
        try
        {
            var outcome = ExternalProcess.Run(ExternalProcess.FindOnPath("node")!, ["export-policy.mjs", input], TimeSpan.FromMinutes(2), CelMatchConditionTests.CelDirectory);
            if (outcome.ExitCode != 0)
            {
                throw new InvalidOperationException($"export-policy.mjs exited {outcome.ExitCode}: {outcome.Said}");
            }

            return JsonNode.Parse(outcome.Stdout)!["results"]!.AsArray()
                .Select(r => r!.AsObject())
                .ToDictionary(r => r["id"]!.GetValue<string>());
        }
        finally
        {
            File.Delete(input);
        }
    }
}

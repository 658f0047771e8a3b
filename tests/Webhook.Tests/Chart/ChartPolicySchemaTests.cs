using System.Text.Json.Nodes;

namespace DeadlineGuard.Tests.Chart;

/// <summary>The chart's values.schema.json holds the program's policy schema (<see cref="ChartPolicySchema"/>), not a copy written by hand.</summary>
public sealed class ChartPolicySchemaTests
{
    [Fact]
    public void The_charts_policy_schema_is_the_one_the_program_checks_files_against()
    {
        var text = File.ReadAllText(ChartFiles.SchemaPath);
        var expected = ChartPolicySchema.Apply(JsonNode.Parse(text)!.AsObject());
        if (Environment.GetEnvironmentVariable("UPDATE_CHART_SCHEMA") == "1")
        {
            File.WriteAllText(ChartFiles.SchemaPath, ChartPolicySchema.ToText(expected));
            text = File.ReadAllText(ChartFiles.SchemaPath);
        }

        JsonNode.DeepEquals(JsonNode.Parse(text), expected).ShouldBeTrue(
            "charts/rollout-deadline-guard/values.schema.json differs from src/Webhook/Policy/policy.schema.json; regenerate it with " +
            "UPDATE_CHART_SCHEMA=1 dotnet test tests/Webhook.Tests --filter \"FullyQualifiedName~ChartPolicySchemaTests\"");
    }

    [Fact]
    public void The_chart_schema_is_written_as_the_generator_writes_it()
    {
        var text = File.ReadAllText(ChartFiles.SchemaPath);

        // So that regenerating changes nothing but the policy part.
        ChartPolicySchema.ToText(JsonNode.Parse(text)!).ShouldBe(text);
    }
}

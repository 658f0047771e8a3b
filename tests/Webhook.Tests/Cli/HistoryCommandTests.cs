using System.Text.Json.Nodes;
using DeadlineGuard.Cli;
using DeadlineGuard.History;
using DeadlineGuard.Tests.Support;

namespace DeadlineGuard.Tests.Cli;

public sealed class HistoryCommandTests
{
    private static async Task<(int Exit, string Out, string Err)> Run(string stdin, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await Commands.RunAsync(["history", .. args], new StringReader(stdin), output, error);
        return (exit, output.ToString(), error.ToString());
    }

    private static JsonObject RolloutWithHistory()
    {
        var api = new ApiServer();
        api.Create(Reviews.Rollout(), "alice@example.com");
        api.Clock.Advance(TimeSpan.FromMinutes(3));
        api.Update(r => r["spec"]!["template"]!["spec"]!["containers"]![0]!["image"] = "argoproj/rollouts-demo:yellow", "bob@example.com");
        return api.Stored!;
    }

    [Fact]
    public async Task Prints_the_history_from_stdin_as_a_table()
    {
        var (exit, output, error) = await Run(RolloutWithHistory().ToJsonString(), "-");

        error.ShouldBeEmpty();
        exit.ShouldBe(Commands.Ok);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines[0].ShouldBe("Rollout team-a/web: 2 revisions recorded");
        lines[1].ShouldStartWith("REV  STARTED (UTC)         BY                 OP      TRIGGER   DEADLINE  ABORT  FINGERPRINT       IMAGES");
        lines[2].ShouldStartWith("1    2026-11-27T10:00:00Z  alice@example.com  CREATE  create    600s      yes    ");
        lines[2].ShouldEndWith("argoproj/rollouts-demo:blue");
        lines[3].ShouldStartWith("2    2026-11-27T10:03:00Z  bob@example.com    UPDATE  template  600s      yes    ");
        lines[3].ShouldEndWith("argoproj/rollouts-demo:yellow");
    }

    [Fact]
    public async Task Reads_a_yaml_file_as_kubectl_get_prints_it()
    {
        var file = Path.Combine(Directory.CreateTempSubdirectory("history-").FullName, "rollout.yaml");
        var history = RevisionRecorder.Annotation(RolloutWithHistory())!.Replace("'", "''", StringComparison.Ordinal);
        await File.WriteAllTextAsync(file, $"""
            apiVersion: argoproj.io/v1alpha1
            kind: Rollout
            metadata:
              name: web
              namespace: team-a
              annotations:
                {RevisionHistoryAnnotation.Key}: '{history}'
            spec: {"{}"}
            """);

        var (exit, output, _) = await Run(string.Empty, file);

        exit.ShouldBe(Commands.Ok);
        output.ShouldContain("Rollout team-a/web: 2 revisions recorded");
    }

    [Fact]
    public async Task A_rollout_without_history_says_so()
    {
        var (exit, output, _) = await Run(Reviews.Rollout().ToJsonString(), "-");

        exit.ShouldBe(Commands.Ok);
        output.ShouldContain("no revision history recorded yet");
    }

    [Fact]
    public async Task An_unreadable_history_exits_two_with_the_reason()
    {
        var rollout = Reviews.Rollout();
        rollout["metadata"]!["annotations"] = new JsonObject { [RevisionHistoryAnnotation.Key] = "{oops" };

        var (exit, _, error) = await Run(rollout.ToJsonString(), "-");

        exit.ShouldBe(Commands.Usage);
        error.ShouldContain("deadline-guard.io/revision-history cannot be read: not JSON");
    }

    [Theory]
    [InlineData("", "no PATH given")]
    [InlineData("kind: ConfigMap\n", "no Rollout found in -")]
    [InlineData("kind: [", "not valid YAML")]
    public async Task Bad_input_exits_two(string stdin, string message)
    {
        var (exit, _, error) = await Run(stdin, stdin.Length == 0 ? [] : ["-"]);

        exit.ShouldBe(Commands.Usage);
        error.ShouldContain(message);
    }
}

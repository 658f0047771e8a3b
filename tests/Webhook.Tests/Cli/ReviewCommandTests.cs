using System.Text.Json.Nodes;
using DeadlineGuard.Cli;
using DeadlineGuard.Tests.Support;

namespace DeadlineGuard.Tests.Cli;

public sealed class ReviewCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("review-").FullName;

    private static async Task<(int Exit, string Out, string Err)> Run(string stdin, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await Commands.RunAsync(["review", .. args], new StringReader(stdin), output, error);
        return (exit, output.ToString(), error.ToString());
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllText(path, text);
        return path;
    }

    private const string Compliant = """
        apiVersion: argoproj.io/v1alpha1
        kind: Rollout
        metadata: { name: good, namespace: team-a }
        spec:
          progressDeadlineSeconds: 300
          progressDeadlineAbort: true
          template: { spec: { containers: [ { name: app, image: nginx } ] } }
        """;

    private const string TooLong = """
        apiVersion: argoproj.io/v1alpha1
        kind: Rollout
        metadata: { name: slow }
        spec:
          progressDeadlineSeconds: 7200
          template: { spec: { containers: [ { name: app, image: nginx } ] } }
        """;

    [Fact]
    public async Task The_readme_examples_review_as_the_readme_shows()
    {
        var examples = Path.Combine(TestPaths.RepositoryRoot, "examples");
        var (exit, output, error) = await Run(string.Empty, Path.Combine(examples, "rollouts"));

        exit.ShouldBe(Commands.Denied);
        error.ShouldBeEmpty();
        output.ShouldContain("ALLOWED  Rollout team-a/checkout");
        output.ShouldContain("patch:     add /spec/progressDeadlineSeconds 600");
        output.ShouldContain("DENIED   Rollout team-b/search");
        output.ShouldContain("3 Rollouts reviewed: 2 allowed, 1 denied;");

        (exit, output, error) = await Run(string.Empty, "--policy", Path.Combine(examples, "policy.yaml"), "--output", "json", Path.Combine(examples, "rollouts"));
        exit.ShouldBe(Commands.Denied, error);
        var results = JsonNode.Parse(output)!["results"]!.AsArray();
        results.Select(r => (string)r!["verdict"]!).ShouldBe(["allowed", "allowed", "denied"]);
    }

    [SkippableFact]
    public async Task The_upstream_fixtures_get_a_verdict_each_and_the_too_short_deadline_is_denied()
    {
        TestPaths.RequireArgoFixtures();
        var (exit, output, error) = await Run(string.Empty, TestPaths.ArgoFixtures);

        exit.ShouldBe(Commands.Denied);
        error.ShouldBeEmpty();
        output.ShouldContain("DENIED   Rollout default/rollout-canary-with-pause");
        output.ShouldContain("violation: spec.progressDeadlineSeconds is 5; it must be at least 30 (policy bounds 30-3600)");
        output.ShouldContain("ALLOWED  Rollout default/rollout-bluegreen");
        output.ShouldContain("patch:     add /spec/progressDeadlineSeconds 600");
        output.ShouldContain("9 Rollouts reviewed: 8 allowed, 1 denied;");
    }

    [Fact]
    public async Task All_allowed_exits_zero()
    {
        var (exit, output, _) = await Run(string.Empty, Write("good.yaml", Compliant));

        exit.ShouldBe(Commands.Ok);
        output.ShouldContain("ALLOWED  Rollout team-a/good");
        output.ShouldNotContain("patch:");
    }

    [Fact]
    public async Task Json_output_carries_verdict_violations_and_patch_per_rollout()
    {
        var (exit, output, _) = await Run(Compliant + "\n---\n" + TooLong, "--output", "json", "-");

        exit.ShouldBe(Commands.Denied);
        var report = JsonNode.Parse(output)!.AsObject();
        var results = report["results"]!.AsArray();
        results.Count.ShouldBe(2);
        results[0]!["verdict"]!.GetValue<string>().ShouldBe("allowed");
        results[1]!["namespace"]!.GetValue<string>().ShouldBe("default");
        results[1]!["verdict"]!.GetValue<string>().ShouldBe("denied");
        var violation = results[1]!["violations"]![0]!;
        violation["field"]!.GetValue<string>().ShouldBe("spec.progressDeadlineSeconds");
        violation["found"]!.GetValue<string>().ShouldBe("7200");
        violation["required"]!.GetValue<string>().ShouldBe("it must be at most 3600 (policy bounds 30-3600)");
        results[1]!["patch"]!.ToJsonString().ShouldBe("""[{"op":"add","path":"/spec/progressDeadlineAbort","value":true}]""");
        report["summary"]!["denied"]!.GetValue<int>().ShouldBe(1);
    }

    [Fact]
    public async Task A_policy_file_changes_the_verdict()
    {
        var policy = Write("policy.yaml", """
            apiVersion: deadline-guard.io/v1
            kind: DeadlinePolicy
            spec:
              overrides:
                - namespaces: ["default"]
                  action: Warn
                  bounds: { maxSeconds: 7200 }
            """);

        var (exit, output, _) = await Run(string.Empty, "--policy", policy, Write("slow.yaml", TooLong));

        exit.ShouldBe(Commands.Ok);
        output.ShouldContain("ALLOWED  Rollout default/slow");
    }

    [Fact]
    public async Task Warn_verdicts_list_the_warnings_and_exit_zero()
    {
        var policy = Write("policy.yaml", "apiVersion: deadline-guard.io/v1\nkind: DeadlinePolicy\nspec: { action: Warn }\n");

        var (exit, output, _) = await Run(string.Empty, "--policy", policy, Write("slow.yaml", TooLong));

        exit.ShouldBe(Commands.Ok);
        output.ShouldContain("WARNED   Rollout default/slow");
        output.ShouldContain("warning:   spec.progressDeadlineSeconds is 7200; it must be at most 3600");
    }

    [Fact]
    public async Task Namespace_flag_names_the_namespace_of_manifests_without_one()
    {
        var (_, output, _) = await Run(TooLong, "-n", "payments", "-");

        output.ShouldContain("Rollout payments/slow");
    }

    [Fact]
    public async Task A_kubectl_list_is_reviewed_item_by_item()
    {
        var list = """
            {"apiVersion":"v1","kind":"List","items":[
              {"apiVersion":"argoproj.io/v1alpha1","kind":"Rollout","metadata":{"name":"a","namespace":"x"},"spec":{"progressDeadlineSeconds":60,"progressDeadlineAbort":true}},
              {"apiVersion":"argoproj.io/v1alpha1","kind":"Rollout","metadata":{"name":"b","namespace":"x"},"spec":{"progressDeadlineSeconds":60,"progressDeadlineAbort":true}}]}
            """;

        var (exit, output, _) = await Run(string.Empty, Write("list.json", list));

        exit.ShouldBe(Commands.Ok);
        output.ShouldContain("2 Rollouts reviewed: 2 allowed");
    }

    public static TheoryData<string, string[], string> UsageErrors => new()
    {
        { "no path", [], "no PATH given" },
        { "unknown option", ["--frobnicate", "x.yaml"], "unknown option '--frobnicate'" },
        { "bad output format", ["--output", "xml", "x.yaml"], "--output must be text or json, found 'xml'" },
        { "policy without a file", ["--policy"], "--policy needs a file" },
    };

    [Theory]
    [MemberData(nameof(UsageErrors))]
    public async Task Usage_errors_exit_two_with_a_message(string because, string[] args, string message)
    {
        var (exit, _, error) = await Run(string.Empty, args);

        exit.ShouldBe(Commands.Usage, because);
        error.ShouldContain(message, Case.Sensitive, because);
    }

    [Fact]
    public async Task Unreadable_input_exits_two_after_reviewing_what_could_be_read()
    {
        var good = Write("good.yaml", Compliant);
        var broken = Write("broken.yaml", "kind: Rollout\nspec: [unclosed\n");

        var (exit, output, error) = await Run(string.Empty, good, broken, Path.Combine(_folder, "missing.yaml"));

        exit.ShouldBe(Commands.Usage);
        output.ShouldContain("ALLOWED  Rollout team-a/good");
        error.ShouldContain("broken.yaml: not valid YAML at line");
        error.ShouldContain("missing.yaml: no such file or directory");
    }

    [Fact]
    public async Task A_bad_policy_file_exits_two_listing_its_problems()
    {
        var policy = Write("policy.yaml", "apiVersion: deadline-guard.io/v1\nkind: DeadlinePolicy\nspec: { action: Block }\n");

        var (exit, _, error) = await Run(string.Empty, "--policy", policy, Write("good.yaml", Compliant));

        exit.ShouldBe(Commands.Usage);
        error.ShouldContain("spec.action: must be one of Deny, Warn, Audit, found \"Block\"");
    }

    [Fact]
    public async Task Help_describes_the_exit_codes()
    {
        var (exit, output, _) = await Run(string.Empty, "--help");

        exit.ShouldBe(Commands.Ok);
        output.ShouldContain("Exit codes: 0 all allowed, 1 any denied, 2 usage error or unreadable input.");
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}

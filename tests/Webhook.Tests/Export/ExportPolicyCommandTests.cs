using DeadlineGuard.Cli;
using DeadlineGuard.Json;
using DeadlineGuard.Tests.Support;

namespace DeadlineGuard.Tests.Export;

/// <summary><c>webhook export-policy</c> through the command line: output, options, and one-line errors with exit 2.</summary>
public sealed class ExportPolicyCommandTests
{
    private static async Task<(int Exit, string Out, string Err)> Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await Commands.RunAsync(["export-policy", .. args], new StringReader(string.Empty), output, error);
        return (exit, output.ToString(), error.ToString());
    }

    private static IEnumerable<string> Kinds(string yaml) => YamlJson.ParseStream(yaml).Select(d => $"{d.Root!["apiVersion"]} {d.Root["kind"]}");

    [Fact]
    public async Task Without_options_it_prints_the_built_in_policy_as_admission_policies()
    {
        var (exit, output, error) = await Run();

        exit.ShouldBe(Commands.Ok);
        error.ShouldBeEmpty();
        output.ShouldStartWith("# Rollout Deadline Guard: the DeadlinePolicy of the built-in policy");
        Kinds(output).ShouldBe([
            "admissionregistration.k8s.io/v1 ValidatingAdmissionPolicy",
            "admissionregistration.k8s.io/v1 ValidatingAdmissionPolicyBinding",
            "admissionregistration.k8s.io/v1 ValidatingAdmissionPolicy",
            "admissionregistration.k8s.io/v1 ValidatingAdmissionPolicyBinding",
            "admissionregistration.k8s.io/v1 MutatingAdmissionPolicy",
            "admissionregistration.k8s.io/v1 MutatingAdmissionPolicyBinding",
        ]);
    }

    [Fact]
    public async Task Format_and_api_version_choose_the_objects_and_the_mutating_version()
    {
        using var policy = new PolicyFile(ExportEquivalenceFixture.PolicyYaml);

        var (exit, output, _) = await Run("--policy", policy.FilePath, "--format=map", "--api-version", "v1beta1");

        exit.ShouldBe(Commands.Ok);
        output.ShouldContain($"the DeadlinePolicy of {policy.FilePath}");
        Kinds(output).ShouldBe([
            "admissionregistration.k8s.io/v1beta1 MutatingAdmissionPolicy",
            "admissionregistration.k8s.io/v1beta1 MutatingAdmissionPolicyBinding",
        ]);
        Kinds((await Run("--format", "vap")).Out).ShouldAllBe(k => k.Contains("ValidatingAdmissionPolicy", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_naming_and_skipping_options_reach_the_objects()
    {
        var (exit, output, _) = await Run("--name-prefix", "guard", "--controller-service-account", "system:serviceaccount:argocd:rollouts",
            "--exclude-namespaces", "ops, infra", "--opt-out-label", "example.com/skip");

        exit.ShouldBe(Commands.Ok);
        var objects = YamlJson.ParseStream(output).Select(d => d.Root!).ToList();
        objects.ShouldAllBe(o => o["metadata"]!["name"]!.GetValue<string>().StartsWith("guard-", StringComparison.Ordinal));
        output.ShouldContain("request.userInfo.username != 'system:serviceaccount:argocd:rollouts'");
        var selector = objects[0]["spec"]!["matchConstraints"]!["namespaceSelector"]!["matchExpressions"]!.ToJsonString();
        selector.ShouldContain("[\"ops\",\"infra\"]");
        selector.ShouldContain("example.com/skip");
    }

    [Theory]
    [InlineData("--format=bogus", "--format must be all, vap or map, found 'bogus'")]
    [InlineData("--api-version=v1alpha1", "--api-version must be v1 or v1beta1, found 'v1alpha1'")]
    [InlineData("--frobnicate=1", "unknown option '--frobnicate=1'")]
    [InlineData("policy.yaml", "unexpected argument 'policy.yaml'")]
    [InlineData("--policy", "--policy needs a file")]
    [InlineData("--policy=", "--policy needs a file")]
    [InlineData("--name-prefix=Bad_Prefix", "cannot export --name-prefix faithfully")]
    [InlineData("--exclude-namespaces=Not A Namespace", "cannot export --exclude-namespaces faithfully")]
    [InlineData("--opt-out-label=-x-", "cannot export --opt-out-label faithfully")]
    public async Task A_bad_option_is_one_line_and_exit_2(string argument, string said)
    {
        var (exit, output, error) = await Run(argument);

        exit.ShouldBe(Commands.Usage);
        output.ShouldBeEmpty();
        error.TrimEnd('\n').Split('\n').ShouldHaveSingleItem().ShouldContain(said);
    }

    [Fact]
    public async Task An_option_given_twice_counts_once_the_last_one_as_every_command_takes_it()
    {
        var (exit, output, _) = await Run("--format", "vap", "--format", "map");

        exit.ShouldBe(Commands.Ok);
        Kinds(output).ShouldAllBe(k => k.Contains("MutatingAdmissionPolicy", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_policy_file_that_does_not_validate_is_exit_2_with_its_problems()
    {
        using var policy = new PolicyFile("""
            apiVersion: deadline-guard.io/v1
            kind: DeadlinePolicy
            spec:
              overrides:
                - namespaces: ["Team_A"]
                  action: Warn
            """);

        var (exit, output, error) = await Run("--policy", policy.FilePath);

        exit.ShouldBe(Commands.Usage);
        output.ShouldBeEmpty();
        error.ShouldContain("spec.overrides[0].namespaces[0]");
    }

    [Fact]
    public async Task A_missing_policy_file_is_exit_2()
    {
        var (exit, _, error) = await Run("--policy", "/nonexistent/policy.yaml");

        exit.ShouldBe(Commands.Usage);
        error.ShouldContain("cannot be read: no such file");
    }

    [Fact]
    public async Task Help_names_every_option()
    {
        var (exit, output, _) = await Run("--help");

        exit.ShouldBe(Commands.Ok);
        foreach (var option in new[] { "--policy", "--format", "--api-version", "--name-prefix", "--controller-service-account", "--exclude-namespaces", "--opt-out-label" })
        {
            output.ShouldContain(option);
        }
    }

    [Fact]
    public async Task The_main_help_lists_the_command()
    {
        using var output = new StringWriter();
        await Commands.RunAsync(["--help"], new StringReader(string.Empty), output, new StringWriter());

        output.ToString().ShouldContain("export-policy");
    }
}

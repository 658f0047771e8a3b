using System.CommandLine;
using DeadlineGuard.Cli;
using Microsoft.Extensions.Configuration;

namespace DeadlineGuard.Tests.Cli;

/// <summary>The command line as one definition: help from it, usage errors in one line, settings through to configuration.</summary>
public sealed class CommandLineTests
{
    private static async Task<(int Exit, string Out, string Err)> Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await Commands.RunAsync(args, new StringReader(string.Empty), output, error).WaitAsync(TimeSpan.FromSeconds(60));
        return (exit, output.ToString(), error.ToString());
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    public static TheoryData<string, string[]> CommandOptions => new()
    {
        { "serve", ["--policy FILE", "--urls URLS", "-h, --help"] },
        { "reconcile", ["--policy FILE", "--urls URLS", "-h, --help"] },
        { "review", ["--policy FILE", "-o, --output text|json", "-n, --namespace NS", "-h, --help"] },
        { "history", ["-n, --namespace NS", "--kubeconfig FILE", "--context NAME", "-o, --output text|json", "-h, --help"] },
        {
            "certs",
            [
                "--namespace NS", "--service SVC", "--secret SECRET", "--mutating-webhook NAME", "--validating-webhook NAME",
                "--webhook-configurations required|optional", "--ca-validity-days DAYS", "--cert-validity-days DAYS", "--renew-before-days DAYS", "-h, --help",
            ]
        },
    };

    [Theory]
    [MemberData(nameof(CommandOptions))]
    public async Task The_help_of_each_command_lists_its_options_and_exits_zero(string command, string[] options)
    {
        foreach (var flag in new[] { "--help", "-h" })
        {
            var (exit, output, error) = await Run(command, flag);

            exit.ShouldBe(Commands.Ok);
            error.ShouldBeEmpty();
            output.ShouldStartWith($"Usage: webhook {command} ");
            var optionLines = Lines(output).SkipWhile(l => l != "Options:").Skip(1).TakeWhile(l => l.StartsWith("  ", StringComparison.Ordinal)).ToList();
            optionLines.Where(l => !l.StartsWith("   ", StringComparison.Ordinal)).Select(l => l.Trim().Split("  ")[0]).ShouldBe(options);
            output.ShouldContain("Exit codes:");
        }
    }

    [Fact]
    public void Every_option_of_the_definition_is_in_its_help()
    {
        var root = CommandLine.Build(new CommandContext(TextReader.Null, TextWriter.Null, TextWriter.Null, ProgramName.Default));

        foreach (var command in root.Subcommands)
        {
            var help = HelpWriter.Render(command, ProgramName.Default);
            foreach (var option in command.Options.Where(o => !o.Hidden))
            {
                help.ShouldContain(option.Name, Case.Sensitive, $"{command.Name} --help");
                help.ShouldContain(option.Description!.Split('\n')[0], Case.Sensitive, $"{command.Name} --help");
            }
        }
    }

    [Fact]
    public async Task The_main_help_lists_every_command()
    {
        var (exit, output, _) = await Run("--help");

        exit.ShouldBe(Commands.Ok);
        Lines(output)[0].ShouldBe("Usage: webhook COMMAND [options]");
        var commands = Lines(output).SkipWhile(l => l != "Commands:").Skip(1).TakeWhile(l => l.StartsWith("  ", StringComparison.Ordinal)).Select(l => l.Trim().Split(' ')[0]);
        commands.ShouldBe(["serve", "reconcile", "review", "history", "status", "certs", "export-policy"]);
        output.ShouldContain("Run 'webhook COMMAND --help' for a command's options.");
    }

    [Theory]
    [InlineData("help", "Usage: webhook COMMAND [options]")]
    [InlineData("help review", "Usage: webhook review [--policy FILE] [--output text|json] [--namespace NS] PATH...")]
    public async Task Help_as_a_command_prints_the_same_help(string args, string firstLine)
    {
        var (exit, output, _) = await Run(args.Split(' '));

        exit.ShouldBe(Commands.Ok);
        Lines(output)[0].ShouldBe(firstLine);
    }

    [Theory]
    [InlineData(new[] { "serve", "--frobnicate" }, "webhook serve: unknown option '--frobnicate' (see 'webhook serve --help')")]
    [InlineData(new[] { "--polcy", "x.yaml" }, "webhook serve: unknown option '--polcy' (see 'webhook serve --help')")]
    [InlineData(new[] { "reconcile", "--urls", "http://127.0.0.1:0", "stray" }, "webhook reconcile: unexpected argument 'stray' (see 'webhook reconcile --help')")]
    [InlineData(new[] { "reconcile", "--Reconciler:DryRun" }, "webhook reconcile: --Reconciler:DryRun needs a value (--Reconciler:DryRun=VALUE) (see 'webhook reconcile --help')")]
    [InlineData(new[] { "review", "--frobnicate", "x.yaml" }, "webhook review: unknown option '--frobnicate' (see 'webhook review --help')")]
    [InlineData(new[] { "review", "-o" }, "webhook review: -o needs a value (see 'webhook review --help')")]
    [InlineData(new[] { "history", "-", "--frobnicate" }, "webhook history: unknown option '--frobnicate' (see 'webhook history --help')")]
    [InlineData(new[] { "history", "a.yaml", "b.yaml" }, "webhook history: unexpected argument 'b.yaml' (see 'webhook history --help')")]
    [InlineData(new[] { "history", "-o", "yaml", "-" }, "webhook history: --output must be text or json, found 'yaml' (see 'webhook history --help')")]
    [InlineData(new[] { "history", "--kubeconfig" }, "webhook history: --kubeconfig needs a file (see 'webhook history --help')")]
    [InlineData(new[] { "certs", "--frobnicate" }, "webhook certs: unknown option '--frobnicate' (see 'webhook certs --help')")]
    [InlineData(new[] { "frobnicate" }, "webhook: unknown command 'frobnicate' (see 'webhook --help')")]
    [InlineData(new[] { "--version", "--frobnicate" }, "webhook: unknown option '--frobnicate' (see 'webhook --help')")]
    public async Task A_usage_error_is_one_line_naming_the_problem_and_the_help_and_exits_two(string[] args, string line)
    {
        var (exit, output, error) = await Run(args);

        exit.ShouldBe(Commands.Usage);
        output.ShouldBeEmpty();
        error.ShouldBe(line + Environment.NewLine);
    }

    [Theory]
    [InlineData(new[] { "--urls", "https://127.0.0.1:0", "--Admission:MaxRequestBytes=12" }, "Admission:MaxRequestBytes: must be between 65536 and 67108864 bytes, found 12")]
    [InlineData(new[] { "serve", "--urls", "https://127.0.0.1:0", "--Admission:MaxRequestBytes", "13" }, "Admission:MaxRequestBytes: must be between 65536 and 67108864 bytes, found 13")]
    [InlineData(new[] { "serve", "--urls=https://127.0.0.1:0", "--policy", "/nonexistent/a.yaml" }, "Policy:File: file /nonexistent/a.yaml does not exist")]
    [InlineData(new[] { "serve", "--urls", "https://127.0.0.1:0", "--policy=/nonexistent/b.yaml" }, "Policy:File: file /nonexistent/b.yaml does not exist")]
    [InlineData(new[] { "--policy", "/nonexistent/c.yaml", "--urls", "https://127.0.0.1:0" }, "Policy:File: file /nonexistent/c.yaml does not exist")]
    [InlineData(new[] { "serve", "--urls", "https://127.0.0.1:0", "--urls", "notaurl" }, "urls: 'notaurl' is not a listen address")]
    [InlineData(new[] { "reconcile", "--urls", "http://127.0.0.1:0", "--Reconciler:LeaderElection=false", "--Kubernetes:StartupTimeoutSeconds", "99999" }, "Kubernetes:StartupTimeoutSeconds: must be between 0 and 3600 seconds, found 99999")]
    public async Task Settings_and_the_policy_flag_reach_the_configuration_of_the_default_and_named_commands(string[] args, string problem)
    {
        var (exit, _, error) = await Run(args);

        exit.ShouldBe(Commands.Usage, error);
        error.ShouldStartWith("webhook: bad configuration, nothing served: ");
        error.ShouldContain(problem);
    }

    [Fact]
    public void The_settings_a_hosted_command_passes_are_read_by_dotnet_configuration_as_given()
    {
        var root = CommandLine.Build(new CommandContext(TextReader.Null, TextWriter.Null, TextWriter.Null, ProgramName.Default));
        var reconcile = root.Subcommands.Single(c => c.Name == ReconcileCommand.Name);
        var parse = root.Parse([
            "reconcile", "--urls", "http://0.0.0.0:8081", "--policy", "/etc/deadline-guard/policy.yaml", "--Reconciler:DryRun=true",
            "--Reconciler:Namespaces:0", "team-a", "--Reconciler:Namespaces:1=team-b", "--Serilog:MinimumLevel:Default", "Warning",
        ]);

        var args = HostedCommand.ConfigurationArguments(
            parse,
            (Option<string>)reconcile.Options.Single(o => o.Name == "--policy"),
            (Option<string>)reconcile.Options.Single(o => o.Name == "--urls"),
            (Argument<string[]>)reconcile.Arguments.Single());
        var configuration = new ConfigurationBuilder().AddCommandLine(args).Build();

        UsageError.Find(parse).ShouldBeNull();
        configuration["urls"].ShouldBe("http://0.0.0.0:8081");
        configuration["Policy:File"].ShouldBe("/etc/deadline-guard/policy.yaml");
        configuration["Reconciler:DryRun"].ShouldBe("true");
        configuration.GetSection("Reconciler:Namespaces").Get<string[]>().ShouldBe(["team-a", "team-b"]);
        configuration["Serilog:MinimumLevel:Default"].ShouldBe("Warning");
    }

    public static TheoryData<string[]> ChartArguments => new()
    {
        new[]
        {
            "serve", "--urls", "https://0.0.0.0:8443", "--policy", "/etc/deadline-guard/policy.yaml",
            "--Tls:CertFile=/etc/deadline-guard/tls/tls.crt", "--Tls:KeyFile=/etc/deadline-guard/tls/tls.key",
            "--Admission:FailurePolicy=Ignore", "--Serilog:MinimumLevel:Default=Warning",
        },
        new[]
        {
            "reconcile", "--urls", "http://0.0.0.0:8081", "--policy", "/etc/deadline-guard/policy.yaml",
            "--Reconciler:DryRun=true", "--Reconciler:GraceSeconds=45", "--Reconciler:RepairStaleScaleDownDeadline=true",
            "--Reconciler:LeaseName=guard-leader", "--Reconciler:Namespaces:0=team-a", "--Reconciler:Namespaces:1=team-b",
            "--Certs:Enabled=true", "--Certs:Namespace=platform", "--Certs:ServiceName=x", "--Certs:SecretName=x-tls",
            "--Certs:MutatingWebhook=x", "--Certs:ValidatingWebhook=x", "--Serilog:MinimumLevel:Default=Information",
        },
        new[]
        {
            "certs", "--namespace", "platform", "--service", "x", "--secret", "x-tls", "--mutating-webhook", "x", "--validating-webhook", "x",
            "--webhook-configurations", "optional", "--ca-validity-days", "3650", "--cert-validity-days", "365", "--renew-before-days", "30",
        },
    };

    /// <summary>The arguments the Helm chart's containers pass (tests/Webhook.Tests/Chart/WorkloadTests.cs renders them) parse without a problem.</summary>
    [Theory]
    [MemberData(nameof(ChartArguments))]
    public void The_chart_arguments_parse(string[] args)
    {
        var root = CommandLine.Build(new CommandContext(TextReader.Null, TextWriter.Null, TextWriter.Null, ProgramName.Default));

        var parse = root.Parse(args);

        UsageError.Find(parse).ShouldBeNull();
        parse.CommandResult.Command.Name.ShouldBe(args[0]);
    }

    [Theory]
    [InlineData(new string[0], new[] { "serve" })]
    [InlineData(new[] { "--policy", "p.yaml" }, new[] { "serve", "--policy", "p.yaml" })]
    [InlineData(new[] { "--Tls:CertFile=c" }, new[] { "serve", "--Tls:CertFile=c" })]
    [InlineData(new[] { "--help" }, new[] { "--help" })]
    [InlineData(new[] { "-h" }, new[] { "-h" })]
    [InlineData(new[] { "--version" }, new[] { "--version" })]
    [InlineData(new[] { "help" }, new[] { "--help" })]
    [InlineData(new[] { "help", "history" }, new[] { "history", "--help" })]
    [InlineData(new[] { "review", "x.yaml" }, new[] { "review", "x.yaml" })]
    [InlineData(new[] { "reconcile" }, new[] { "reconcile" })]
    public void No_command_or_an_option_first_means_serve(string[] args, string[] expected)
    {
        var root = CommandLine.Build(new CommandContext(TextReader.Null, TextWriter.Null, TextWriter.Null, ProgramName.Default));

        CommandLine.WithCommand(root, args).ShouldBe(expected);
    }

    [Fact]
    public async Task Version_prints_the_informational_version()
    {
        var (exit, output, _) = await Run("--version");

        exit.ShouldBe(Commands.Ok);
        output.Trim().ShouldBe(typeof(Commands).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .Cast<System.Reflection.AssemblyInformationalVersionAttribute>().Single().InformationalVersion);
    }

    [Fact]
    public async Task Kubectl_habits_work_bundled_and_equals_forms()
    {
        var rollout = Path.Combine(Directory.CreateTempSubdirectory("cli-").FullName, "r.yaml");
        await File.WriteAllTextAsync(rollout, "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: web}\nspec: {}\n");

        foreach (var args in new[] { new[] { "review", "-ojson", "-nshop", rollout }, ["review", "--output=json", "--namespace=shop", rollout], ["review", rollout, "-o", "json", "-n", "shop"] })
        {
            var (exit, output, error) = await Run(args);

            exit.ShouldBe(Commands.Ok, error);
            output.ShouldContain("\"namespace\": \"shop\"", Case.Sensitive, string.Join(' ', args));
        }
    }

    [Fact]
    public async Task A_word_after_double_dash_is_a_path_even_when_it_starts_with_a_dash()
    {
        var (exit, _, error) = await Run("review", "--", "--not-an-option.yaml");

        exit.ShouldBe(Commands.Usage);
        error.ShouldBe($"webhook review: --not-an-option.yaml: no such file or directory{Environment.NewLine}");
    }

    [Fact]
    public async Task A_path_starting_with_at_is_a_path_not_a_response_file()
    {
        var (exit, _, error) = await Run("review", "@args.txt");

        exit.ShouldBe(Commands.Usage);
        error.ShouldBe($"webhook review: @args.txt: no such file or directory{Environment.NewLine}");
    }

    [Fact]
    public void The_exit_codes_are_those_of_the_design()
    {
        (Commands.Ok, Commands.Denied, Commands.Failed, Commands.Usage).ShouldBe((0, 1, 1, 2));
    }

    [Theory]
    [InlineData(new[] { "--Policy:File=x" }, new[] { "--Policy:File=x" }, null)]
    [InlineData(new[] { "--Reconciler:Namespaces:0", "team-a", "--A:B=1" }, new[] { "--Reconciler:Namespaces:0=team-a", "--A:B=1" }, null)]
    [InlineData(new[] { "--A:B", "-1" }, new[] { "--A:B=-1" }, null)]
    [InlineData(new[] { "--A:B=" }, new[] { "--A:B=" }, null)]
    [InlineData(new[] { "--A:B" }, new string[0], "--A:B needs a value (--A:B=VALUE)")]
    [InlineData(new[] { "--A:B", "--C:D=1" }, new string[0], "--A:B needs a value (--A:B=VALUE)")]
    [InlineData(new[] { "--verbose" }, new string[0], "unknown option '--verbose'")]
    [InlineData(new[] { "--dry-run", "true" }, new string[0], "unknown option '--dry-run'")]
    [InlineData(new[] { "--environment=Development", "--Admission=", "--applicationName", "Webhook" }, new[] { "--environment=Development", "--Admission=", "--applicationName=Webhook" }, null)]
    [InlineData(new[] { "--:B=1" }, new string[0], "unknown option '--:B=1'")]
    [InlineData(new[] { "--A:=1" }, new string[0], "unknown option '--A:=1'")]
    [InlineData(new[] { "-x" }, new string[0], "unknown option '-x'")]
    [InlineData(new[] { "stray" }, new string[0], "unexpected argument 'stray'")]
    public void Settings_are_section_keys_with_a_value(string[] words, string[] settings, string? problem)
    {
        var (normalized, found) = ConfigurationOverrides.Normalize(words);

        found.ShouldBe(problem);
        if (problem is null)
        {
            normalized.ShouldBe(settings);
        }
    }
}

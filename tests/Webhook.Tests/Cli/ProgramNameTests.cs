using DeadlineGuard.Cli;

namespace DeadlineGuard.Tests.Cli;

public sealed class ProgramNameTests
{
    [Theory]
    [InlineData("/usr/local/bin/kubectl-deadline_guard", "kubectl deadline-guard")]
    [InlineData("kubectl-deadline_guard", "kubectl deadline-guard")]
    [InlineData("/home/me/bin/kubectl-deadline-guard", "kubectl deadline-guard")]
    [InlineData(@"C:\tools\kubectl-deadline_guard.exe", "kubectl deadline-guard")]
    [InlineData("/app/Webhook", "webhook")]
    [InlineData("/usr/share/dotnet/dotnet", "webhook")]
    [InlineData("dotnet", "webhook")]
    [InlineData("/opt/kubectl-deadline_guard/Webhook", "webhook")]
    [InlineData("kubectl-deadline_guard-history", "webhook")]
    [InlineData("", "webhook")]
    [InlineData(null, "webhook")]
    public void The_program_is_named_by_its_argv0(string? argv0, string name) =>
        ProgramName.FromArgv0(argv0).ShouldBe(name);

    [Fact]
    public void Help_and_usage_lines_use_the_name_the_program_was_called_by()
    {
        var root = CommandLine.Build(new CommandContext(TextReader.Null, TextWriter.Null, TextWriter.Null, ProgramName.KubectlPlugin));

        HelpWriter.Render(root, ProgramName.KubectlPlugin).ShouldStartWith("Usage: kubectl deadline-guard COMMAND [options]");
        HelpWriter.Render(root, ProgramName.KubectlPlugin).ShouldContain("Run 'kubectl deadline-guard COMMAND --help' for a command's options.");
        HelpWriter.Render(root.Subcommands.Single(c => c.Name == "history"), ProgramName.KubectlPlugin)
            .ShouldStartWith("Usage: kubectl deadline-guard history [--namespace NS] [--kubeconfig FILE] [--context NAME] [--output text|json] PATH|rollout/NAME");
    }

    [Fact]
    public async Task Usage_errors_use_the_name_the_program_was_called_by()
    {
        using var error = new StringWriter();

        var exit = await CommandLine.RunAsync(["history"], new CommandContext(TextReader.Null, TextWriter.Null, error, ProgramName.KubectlPlugin));

        exit.ShouldBe(Commands.Usage);
        error.ToString().ShouldBe($"kubectl deadline-guard history: no PATH given (see 'kubectl deadline-guard history --help'){Environment.NewLine}");
    }
}

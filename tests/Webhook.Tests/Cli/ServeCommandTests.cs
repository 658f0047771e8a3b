using DeadlineGuard.Cli;

namespace DeadlineGuard.Tests.Cli;

public sealed class ServeCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("serve-").FullName;

    private static async Task<(int Exit, string Err)> Serve(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await Commands.RunAsync(["serve", "--urls", "https://127.0.0.1:0", .. args], new StringReader(string.Empty), output, error)
            .WaitAsync(TimeSpan.FromSeconds(60));
        return (exit, error.ToString());
    }

    [Fact]
    public async Task A_bad_policy_file_stops_start_up_with_exit_two_and_every_problem()
    {
        var policy = Path.Combine(_folder, "policy.yaml");
        File.WriteAllText(policy, "apiVersion: deadline-guard.io/v1\nkind: DeadlinePolicy\nspec:\n  action: Block\n  inject: maybe\n");

        var (exit, error) = await Serve("--policy", policy);

        exit.ShouldBe(Commands.Usage);
        error.ShouldContain("bad configuration, nothing served");
        error.ShouldContain("spec.action: must be one of Deny, Warn, Audit, found \"Block\"");
        error.ShouldContain("spec.inject: must be true or false, found \"maybe\" (a string)");
    }

    [Theory]
    [InlineData("--Admission:MaxRequestBytes=12", "Admission:MaxRequestBytes: must be between 65536 and 67108864 bytes, found 12")]
    [InlineData("--Tls:CertFile=/nonexistent/tls.crt", "Tls:KeyFile: must be set together with Tls:CertFile")]
    [InlineData("--Policy:File=/nonexistent/policy.yaml", "Policy:File: file /nonexistent/policy.yaml does not exist")]
    public async Task Bad_settings_stop_start_up_with_exit_two_naming_the_key(string setting, string message)
    {
        var (exit, error) = await Serve(setting);

        exit.ShouldBe(Commands.Usage);
        error.ShouldContain(message);
    }

    [Fact]
    public async Task An_unknown_command_exits_two()
    {
        using var error = new StringWriter();
        var exit = await Commands.RunAsync(["frobnicate"], new StringReader(string.Empty), new StringWriter(), error);

        exit.ShouldBe(Commands.Usage);
        error.ToString().ShouldContain("unknown command 'frobnicate'");
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}

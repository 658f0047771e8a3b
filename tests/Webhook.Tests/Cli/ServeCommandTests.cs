using System.Net;
using System.Net.Sockets;
using DeadlineGuard.Cli;
using DeadlineGuard.Hosting;
using DeadlineGuard.Tests.Support;
using DeadlineGuard.Tls;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

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

    [Theory]
    [InlineData("notaurl", "urls: 'notaurl' is not a listen address (scheme://host:port)")]
    [InlineData("ftp://127.0.0.1:8443", "urls: 'ftp://127.0.0.1:8443' is not a listen address (scheme://host:port)")]
    [InlineData("https://127.0.0.1:abc", "urls: 'https://127.0.0.1:abc' is not a listen address (scheme://host:port)")]
    [InlineData("https://127.0.0.1:99999", "urls: 'https://127.0.0.1:99999' has a port outside 0-65535")]
    [InlineData("https://webhook.example.com:8443", "urls: 'https://webhook.example.com:8443' names a host; Kestrel would listen on every interface for it")]
    public async Task A_listen_address_kestrel_would_misread_stops_start_up_with_exit_two(string urls, string message)
    {
        var (exit, error) = await Serve("--urls", urls);

        exit.ShouldBe(Commands.Usage);
        error.ShouldStartWith("webhook: bad configuration, nothing served: " + message);
        error.TrimEnd().ShouldNotContain('\n');
    }

    [Theory]
    [InlineData("https://0.0.0.0:8443")]
    [InlineData("https://[::]:8443")]
    [InlineData("http://localhost:8081")]
    [InlineData("https://*:8443")]
    [InlineData("http://+:80")]
    [InlineData("http://unix:/run/webhook.sock")]
    [InlineData("https://127.0.0.1:0; http://[::1]:8081")]
    public void Listen_addresses_kestrel_reads_as_written_are_accepted(string urls) =>
        ListenAddresses.Problems(urls).ShouldBeEmpty();

    [Fact]
    public async Task A_port_already_in_use_stops_serve_with_exit_two_and_one_line()
    {
        using var busy = new TcpListener(IPAddress.Loopback, 0);
        busy.Start();
        var port = ((IPEndPoint)busy.LocalEndpoint).Port;

        var (exit, error) = await Serve("--urls", $"https://127.0.0.1:{port}");

        exit.ShouldBe(Commands.Usage);
        error.ShouldBe(
            $"webhook: bad configuration, nothing served: cannot listen: Failed to bind to address https://127.0.0.1:{port}: address already in use " +
            $"(another process holds the port, or it needs privileges; choose another with --urls){Environment.NewLine}");
    }

    [Fact]
    public async Task A_certificate_with_a_key_that_does_not_match_stops_start_up_with_exit_two()
    {
        var ca = CertificateAuthority.CreateCa(DateTimeOffset.UtcNow, 30);
        var one = CertificateAuthority.Issue(ca, ["localhost"], DateTimeOffset.UtcNow, 10);
        var other = CertificateAuthority.Issue(ca, ["localhost"], DateTimeOffset.UtcNow, 10);
        File.WriteAllText(Path.Combine(_folder, "tls.crt"), one.CertificatePem);
        File.WriteAllText(Path.Combine(_folder, "tls.key"), other.KeyPem);

        var (exit, error) = await Serve($"--Tls:CertFile={_folder}/tls.crt", $"--Tls:KeyFile={_folder}/tls.key");

        exit.ShouldBe(Commands.Usage);
        error.ShouldStartWith("webhook: bad configuration, nothing served: the serving certificate cannot be loaded: ");
        error.ShouldContain($"the key in {_folder}/tls.key does not match the certificate in {_folder}/tls.crt");
    }

    [SkippableFact]
    public async Task A_key_file_the_user_cannot_read_stops_serve_with_exit_two_one_line_and_no_stack_trace()
    {
        var ca = CertificateAuthority.CreateCa(DateTimeOffset.UtcNow, 30);
        var pair = CertificateAuthority.Issue(ca, ["localhost"], DateTimeOffset.UtcNow, 10);
        File.WriteAllText(Path.Combine(_folder, "tls.crt"), pair.CertificatePem);
        File.WriteAllText(Path.Combine(_folder, "tls.key"), pair.KeyPem);
        Privileges.OpenToOthers(_folder);
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        // Root reads every file: as root the key is 0600 and the program runs as the image's user; otherwise the key is 0000.
        (int, int)? runAs = null;
        if (Environment.IsPrivilegedProcess)
        {
            Privileges.RequireRunAsAnotherUser("Reading a key as a user who may not");
            runAs = (Privileges.ImageUser, Privileges.ImageUser);
        }

        File.SetUnixFileMode(Path.Combine(_folder, "tls.key"), runAs is null ? UnixFileMode.None : UnixFileMode.UserRead | UnixFileMode.UserWrite);

        var (exit, run) = await WebhookProcess.RunAsync(
            ["serve", "--urls", "https://127.0.0.1:0", $"--Tls:CertFile={_folder}/tls.crt", $"--Tls:KeyFile={_folder}/tls.key"],
            new Dictionary<string, string?> { ["HOME"] = null },
            TimeSpan.FromSeconds(60),
            runAs: runAs);
        using var process = run;

        exit.ShouldBe(Commands.Usage, process.Output);
        process.StandardError.ShouldHaveSingleItem()
            .ShouldBe($"webhook: bad configuration, nothing served: cannot read a file: Access to the path '{_folder}/tls.key' is denied.");
        process.Output.ShouldNotContain("   at ", Case.Sensitive);
    }

    [Fact]
    public async Task A_port_already_in_use_is_one_line_on_stderr_and_no_stack_trace_in_the_log()
    {
        using var busy = new TcpListener(IPAddress.Loopback, 0);
        busy.Start();
        var port = ((IPEndPoint)busy.LocalEndpoint).Port;

        var (exit, run) = await WebhookProcess.RunAsync(["serve", "--urls", $"https://127.0.0.1:{port}"], null, TimeSpan.FromSeconds(60));
        using var process = run;

        exit.ShouldBe(Commands.Usage, process.Output);
        process.StandardError.ShouldHaveSingleItem().ShouldContain("cannot listen: Failed to bind to address");
        process.Output.ShouldNotContain("   at ", Case.Sensitive);
        process.Output.ShouldNotContain("Unhandled exception", Case.Sensitive);
    }

    [Fact]
    public async Task The_failure_that_stopped_a_host_after_start_is_found_for_exit_one()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddHostedService<FailingAfterStart>();
        builder.Logging.ClearProviders();
        using var host = builder.Build();

        await host.StartAsync();
        await host.WaitForShutdownAsync().WaitAsync(TimeSpan.FromSeconds(30));

        StartupFailures.Fault(host.Services).ShouldBeOfType<HttpRequestException>().Message.ShouldBe("Connection refused (10.96.0.1:443)");
    }

    [Fact]
    public async Task A_host_that_stopped_cleanly_has_no_failure()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        using var host = builder.Build();
        await host.StartAsync();

        await host.StopAsync();

        StartupFailures.Fault(host.Services).ShouldBeNull();
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private sealed class FailingAfterStart : BackgroundService
    {
        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            await Task.Yield();
            throw new HttpRequestException("Connection refused (10.96.0.1:443)");
        }
    }
}

using System.Diagnostics;
using DeadlineGuard.Tests.Chart;
using DeadlineGuard.Tests.Support;

namespace DeadlineGuard.Tests.Cli;

/// <summary>
/// The built program (its native launcher, <c>Webhook</c>, beside the tests) installed as a kubectl plugin: a symbolic
/// link named <c>kubectl-deadline_guard</c> in a folder on PATH, as docs/kubectl-plugin.md installs it. kubectl finds
/// it for <c>kubectl deadline-guard</c> and executes it with the link's path as argv[0] (kubectl pkg/cmd/plugin.go).
/// </summary>
public sealed class KubectlPluginTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly string _folder = Directory.CreateTempSubdirectory("kubectl-plugin-").FullName;

    private string Bin => Path.Combine(_folder, "bin");

    private string Plugin => Path.Combine(Bin, "kubectl-deadline_guard");

    /// <summary>
    /// The plugin, installed as docs/kubectl-plugin.md says: a link to the native launcher, or (for the image's
    /// Webhook.dll, which has no launcher) a bash wrapper that runs it with its own name as argv[0]. Returns a Rollout
    /// with two revisions recorded, as `kubectl get rollout -o yaml` would print it.
    /// </summary>
    private string Install(string how = "link")
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "kubectl plugins are found through a symbolic link and argv[0]; this test runs on Linux");
        var launcher = Path.Combine(AppContext.BaseDirectory, "Webhook");
        File.Exists(launcher).ShouldBeTrue($"the native launcher {launcher} is built beside the tests (UseAppHost)");
        Directory.CreateDirectory(Bin);
        if (how == "link")
        {
            File.CreateSymbolicLink(Plugin, launcher);
        }
        else
        {
            File.WriteAllText(Plugin, $"#!/usr/bin/env bash\nexec -a \"$0\" dotnet {Path.Combine(AppContext.BaseDirectory, "Webhook.dll")} \"$@\"\n");
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(Plugin, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }

        var api = new ApiServer();
        api.Create(Reviews.Rollout(), "alice@example.com");
        api.Clock.Advance(TimeSpan.FromMinutes(3));
        api.Update(r => r["spec"]!["template"]!["spec"]!["containers"]![0]!["image"] = "argoproj/rollouts-demo:yellow", "bob@example.com");
        return api.Stored!.ToJsonString();
    }

    /// <summary>Only what a plugin gets from a user's shell here: PATH with the plugin's folder, a home, and where .NET is.</summary>
    private Dictionary<string, string> Environment(string path) => new()
    {
        ["PATH"] = path,
        ["HOME"] = _folder,
        ["KUBECONFIG"] = Path.Combine(_folder, "no-kubeconfig"),
        ["DOTNET_ROOT"] = DotnetRoot(),
    };

    private static string DotnetRoot()
    {
        var host = Path.IsPathRooted(WebhookProcess.DotnetHost) ? WebhookProcess.DotnetHost : ExternalProcess.FindOnPath("dotnet") ?? "/usr/share/dotnet/dotnet";
        return Path.GetDirectoryName(new FileInfo(host).LinkTarget is { } target ? Path.GetFullPath(target, Path.GetDirectoryName(host)!) : host)!;
    }

    /// <summary>PATH for the wrapper: the plugin's folder, then where bash and dotnet are.</summary>
    private string WrapperPath => string.Join(':', Bin, DotnetRoot(), "/usr/local/bin", "/usr/bin", "/bin");

    [SkippableTheory]
    [InlineData("link")]
    [InlineData("wrapper")]
    public async Task The_program_installed_as_kubectl_deadline_guard_names_itself_kubectl_deadline_guard(string how)
    {
        var rollout = Install(how);
        var path = how == "link" ? Bin : WrapperPath;

        var help = await RunAsync(Plugin, ["--help"], string.Empty, Environment(path));
        var historyHelp = await RunAsync(Plugin, ["history", "--help"], string.Empty, Environment(path));
        var history = await RunAsync(Plugin, ["history", "-"], rollout, Environment(path));
        var usage = await RunAsync(Plugin, ["history"], string.Empty, Environment(path));

        help.ExitCode.ShouldBe(0, help.Said);
        help.Stdout.Split('\n')[0].ShouldBe("Usage: kubectl deadline-guard COMMAND [options]");
        help.Stdout.ShouldContain("Run 'kubectl deadline-guard COMMAND --help' for a command's options.");
        historyHelp.Stdout.Split('\n')[0].ShouldStartWith("Usage: kubectl deadline-guard history ");
        history.ExitCode.ShouldBe(0, history.Said);
        history.Stdout.Split('\n')[0].ShouldBe("Rollout team-a/web: 2 revisions recorded");
        usage.ExitCode.ShouldBe(2);
        usage.Stderr.ShouldBe("kubectl deadline-guard history: no PATH given (see 'kubectl deadline-guard history --help')\n");
    }

    [SkippableTheory]
    [InlineData("link")]
    [InlineData("wrapper")]
    public async Task Kubectl_runs_it_as_kubectl_deadline_guard(string how)
    {
        var rollout = Install(how);
        var kubectl = KubectlTool.Binary;
        var path = how == "link" ? Bin : WrapperPath;

        var help = await RunAsync(kubectl, ["deadline-guard", "--help"], string.Empty, Environment(path));
        var history = await RunAsync(kubectl, ["deadline-guard", "history", "-"], rollout, Environment(path));
        var json = await RunAsync(kubectl, ["deadline-guard", "history", "-o", "json", "-"], rollout, Environment(path));
        var list = await RunAsync(kubectl, ["plugin", "list", "--name-only"], string.Empty, Environment(path));

        help.ExitCode.ShouldBe(0, help.Said);
        help.Stdout.Split('\n')[0].ShouldBe("Usage: kubectl deadline-guard COMMAND [options]");
        history.ExitCode.ShouldBe(0, history.Said);
        history.Stdout.Split('\n')[0].ShouldBe("Rollout team-a/web: 2 revisions recorded");
        history.Stdout.ShouldContain("bob@example.com");
        json.ExitCode.ShouldBe(0, json.Said);
        System.Text.Json.Nodes.JsonNode.Parse(json.Stdout)!["rollouts"]![0]!["entries"]!.AsArray().Count.ShouldBe(2);
        list.Stdout.ShouldContain("kubectl-deadline_guard");
    }

    [SkippableFact]
    public async Task Kubectl_looks_for_underscores_so_a_dashed_name_is_not_the_plugin()
    {
        Install();
        var kubectl = KubectlTool.Binary;
        File.Move(Plugin, Path.Combine(Bin, "kubectl-deadline-guard"));

        var run = await RunAsync(kubectl, ["deadline-guard", "--help"], string.Empty, Environment(Bin));

        run.ExitCode.ShouldNotBe(0);
        run.Stderr.ShouldContain("unknown command \"deadline-guard\"");
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static async Task<ProcessOutcome> RunAsync(string file, IEnumerable<string> args, string stdin, IReadOnlyDictionary<string, string> environment)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment.Clear();
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.StandardInput.WriteAsync(stdin);
        process.StandardInput.Close();
        try
        {
            await process.WaitForExitAsync().WaitAsync(Patience);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return new ProcessOutcome(process.ExitCode, await stdout, await stderr);
    }
}

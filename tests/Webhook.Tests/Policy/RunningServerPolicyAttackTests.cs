using System.Text.Json.Nodes;
using DeadlineGuard.Cli;
using DeadlineGuard.Tests.Support;

namespace DeadlineGuard.Tests.Policy;

/// <summary>
/// Issue 13, item 2, end to end: the webhook as it runs in the pod (a child process under the chart's memory
/// limit, its policy in a ConfigMap-style volume) is fed every attack in turn and must stay up, log each
/// rejection, and then apply a valid policy; a bad file at start-up must end it with exit code 2 and the reason.
/// </summary>
public sealed class RunningServerPolicyAttackTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    private readonly string _folder = Directory.CreateTempSubdirectory("server-policy-").FullName;

    private string PolicyFile => Path.Combine(_folder, "policy.yaml");

    private static string PolicyText(string action) => $"apiVersion: deadline-guard.io/v1\nkind: DeadlinePolicy\nspec:\n  action: {action}\n";

    [Fact]
    public async Task The_server_survives_every_attack_on_its_policy_file_and_applies_the_next_valid_policy()
    {
        File.CreateSymbolicLink(Path.Combine(_folder, "..data"), Version(0, path => File.WriteAllText(path, PolicyText("Deny"))));
        File.CreateSymbolicLink(PolicyFile, Path.Combine("..data", "policy.yaml"));
        using var server = ChildProgram.Start("serve", "--urls", "https://127.0.0.1:0", "--policy", PolicyFile);
        var listening = await server.WaitForLineAsync(line => Event(line)?["address"] is not null, Bound);
        var address = (string)Event(listening)!["address"]!;

        var attacks = HostileInput.Names.ToList();
        for (var i = 0; i < attacks.Count; i++)
        {
            var reason = HostileInput.Reasons[attacks[i]];
            AtomicSymlink.Swap(_folder, "..data", Version(i + 1, path => HostileInput.Write(attacks[i], path)));
            await server.WaitForLineAsync(line => EventId(line) == 12 && Problems(line).Any(p => p.Contains(reason, StringComparison.Ordinal)), Bound);
        }

        AtomicSymlink.Swap(_folder, "..data", Version(attacks.Count + 1, path => File.WriteAllText(path, PolicyText("Audit"))));
        await server.WaitForLineAsync(line => EventId(line) == 11 && line.Contains("action=Audit", StringComparison.Ordinal), Bound);

        server.HasExited.ShouldBeFalse();
        var metrics = await Scrape(address);
        metrics.ShouldContain("deadline_guard_policy_last_reload_successful 1");
        metrics.ShouldContain($"deadline_guard_policy_reloads_total{{result=\"failure\"}} {attacks.Count}");
    }

    public static TheoryData<string> StartUpAttacks => ["deep nesting", "billion laughs", "50 MB file", "FIFO", "link to /dev/zero", "directory"];

    [Theory]
    [MemberData(nameof(StartUpAttacks))]
    public async Task A_bad_policy_file_at_start_up_ends_the_server_with_exit_two_naming_the_problem(string attack)
    {
        HostileInput.Write(attack, PolicyFile);

        var (exit, _, stderr, _) = await ChildProgram.RunAsync(Bound, "serve", "--urls", "https://127.0.0.1:0", "--policy", PolicyFile);

        exit.ShouldBe(Commands.Usage, string.Join(Environment.NewLine, stderr));
        stderr.ShouldContain(line => line.Contains(HostileInput.Reasons[attack], StringComparison.Ordinal), string.Join(Environment.NewLine, stderr));
        stderr.Count(line => line.Contains("(file)", StringComparison.Ordinal)).ShouldBe(1);
    }

    /// <summary>A version folder of the atomic writer, its policy.yaml filled in; returns its name.</summary>
    private string Version(int number, Action<string> fill)
    {
        var name = $"..2026_01_01_{number:D2}";
        fill(Path.Combine(Directory.CreateDirectory(Path.Combine(_folder, name)).FullName, "policy.yaml"));
        return name;
    }

    private static JsonObject? Event(string line)
    {
        try
        {
            return line.StartsWith('{') ? JsonNode.Parse(line) as JsonObject : null;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    private static int? EventId(string line) => Event(line)?["EventId"]?["Id"]?.GetValue<int>();

    private static IEnumerable<string> Problems(string line) =>
        Event(line)?["Problems"] is JsonArray problems ? problems.Select(p => p!.GetValue<string>()) : [];

    private static async Task<string> Scrape(string address)
    {
        using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = HttpClientHandler.DangerousAcceptAnyServerCertificateValidator };
        using var client = new HttpClient(handler) { BaseAddress = new Uri(address) };
        return await client.GetStringAsync(new Uri("/metrics", UriKind.Relative));
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true); // unlinks links, FIFOs and all, following no link
}

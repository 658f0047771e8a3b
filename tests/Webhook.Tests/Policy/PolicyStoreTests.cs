using System.Threading.Channels;
using DeadlineGuard.Observability;
using DeadlineGuard.Policy;
using DeadlineGuard.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Prometheus;

namespace DeadlineGuard.Tests.Policy;

public sealed class PolicyStoreTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("policy-store-").FullName;
    private readonly WebhookMetrics _metrics = new(Metrics.NewCustomRegistry());
    private readonly Readiness _readiness = new();

    private string PolicyFile => Path.Combine(_folder, "policy.yaml");

    private static string PolicyText(string action, int max = 3600) => $"""
        apiVersion: deadline-guard.io/v1
        kind: DeadlinePolicy
        spec:
          action: {action}
          bounds: {"{"} minSeconds: 30, maxSeconds: {max} {"}"}
        """;

    private PolicyStore Store(string? file) =>
        new(Options.Create(new PolicyOptions { File = file }), NullLogger<PolicyStore>.Instance, _metrics, _readiness);

    [Fact]
    public void Without_a_file_the_built_in_policy_is_in_force_and_the_store_is_ready()
    {
        using var store = Store(null);
        store.LoadInitial();

        store.Current.ShouldBe(DeadlinePolicy.BuiltIn);
        store.Source.ShouldBe("built-in default");
        _readiness.IsReady.ShouldBeTrue();
    }

    [Fact]
    public void A_bad_file_at_start_throws_with_every_problem_and_leaves_the_store_unready()
    {
        File.WriteAllText(PolicyFile, PolicyText("Block", max: 10));
        using var store = Store(PolicyFile);

        var error = Should.Throw<PolicyException>(store.LoadInitial);

        error.Problems.Count.ShouldBe(1); // types first: the action; bounds are checked once the types are right
        error.Problems[0].Path.ShouldBe("spec.action");
        _readiness.IsReady.ShouldBeFalse();
    }

    [Fact]
    public void A_valid_change_takes_effect_on_reload_and_raises_changed()
    {
        File.WriteAllText(PolicyFile, PolicyText("Deny"));
        using var store = Store(PolicyFile);
        store.LoadInitial();
        DeadlinePolicy? seen = null;
        store.Changed += p => seen = p;

        File.WriteAllText(PolicyFile, PolicyText("Warn", max: 7200));
        store.Reload().ShouldBeTrue();

        store.Current.Action.ShouldBe(PolicyAction.Warn);
        store.Current.Bounds.MaxSeconds.ShouldBe(7200);
        seen.ShouldBe(store.Current);
        _metrics.PolicyReloads.WithLabels("success").Value.ShouldBe(2);
    }

    [Fact]
    public void An_invalid_change_is_rejected_and_the_last_good_policy_stays()
    {
        File.WriteAllText(PolicyFile, PolicyText("Warn"));
        using var store = Store(PolicyFile);
        store.LoadInitial();

        File.WriteAllText(PolicyFile, PolicyText("Warn", max: 10));
        store.Reload().ShouldBeFalse();

        store.Current.Action.ShouldBe(PolicyAction.Warn);
        store.Current.Bounds.MaxSeconds.ShouldBe(3600);
        _metrics.PolicyReloads.WithLabels("failure").Value.ShouldBe(1);
        _metrics.PolicyLastReloadSuccessful.Value.ShouldBe(0);
    }

    [Fact]
    public void A_deleted_file_is_a_failed_reload_that_keeps_the_policy()
    {
        File.WriteAllText(PolicyFile, PolicyText("Audit"));
        using var store = Store(PolicyFile);
        store.LoadInitial();

        File.Delete(PolicyFile);
        store.Reload().ShouldBeFalse();

        store.Current.Action.ShouldBe(PolicyAction.Audit);
        _metrics.PolicyReloads.WithLabels("failure").Value.ShouldBe(1);
    }

    [Fact]
    public void Reloading_unchanged_content_does_nothing()
    {
        File.WriteAllText(PolicyFile, PolicyText("Deny"));
        using var store = Store(PolicyFile);
        store.LoadInitial();

        store.Reload().ShouldBeFalse();
        _metrics.PolicyReloads.WithLabels("success").Value.ShouldBe(1);
    }

    /// <summary>
    /// The chart's volume as the kubelet lays it out and renews it (<see cref="AtomicWriter"/>): each version in a
    /// timestamped folder, <c>..data</c> swapped to the new one in the volume root, the old folder deleted. At a nested
    /// path (<c>config -&gt; ..data/config</c>) the file's own folder is the old timestamped one, which is deleted, not
    /// changed, so a watch on it alone would miss every renewal. The clock never moves: each reload here came from the
    /// watch, not from the periodic check, and three renewals prove the watch follows the new folder each time.
    /// </summary>
    [Theory]
    [InlineData("policy.yaml")]
    [InlineData("config/policy.yaml")]
    [InlineData("deadline-guard/config/policy.yaml")]
    public async Task A_policy_in_a_kubelet_volume_is_reloaded_after_each_data_swap(string pathInVolume)
    {
        var kubelet = new AtomicWriter(_folder);
        Project(kubelet, pathInVolume, "Deny");
        using var store = new PolicyStore(
            Options.Create(new PolicyOptions { File = Path.Combine(_folder, pathInVolume) }), NullLogger<PolicyStore>.Instance, _metrics, _readiness, new FakeTimeProvider());
        store.LoadInitial();
        var changes = Channel.CreateUnbounded<DeadlinePolicy>();
        store.Changed += p => changes.Writer.TryWrite(p);
        store.StartWatching();

        foreach (var action in new[] { "Audit", "Warn", "Deny" })
        {
            var before = kubelet.CurrentDataDir!;
            Project(kubelet, pathInVolume, action);
            Directory.Exists(Path.Combine(_folder, before)).ShouldBeFalse("the kubelet deletes the folder the file was in");

            var applied = await changes.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));
            applied.Action.ShouldBe(Enum.Parse<PolicyAction>(action));
        }

        store.Current.Action.ShouldBe(PolicyAction.Deny);
        _metrics.PolicyReloads.WithLabels("success").Value.ShouldBe(4);
    }

    /// <summary>A projected volume as the chart mounts it: the policy with the Secret's keys beside it.</summary>
    private static void Project(AtomicWriter kubelet, string pathInVolume, string action) =>
        kubelet.Write(
            new Dictionary<string, string> { [pathInVolume] = PolicyText(action), ["tls/tls.crt"] = "certificate" },
            UnixFileMode.UserRead | UnixFileMode.GroupRead);

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}

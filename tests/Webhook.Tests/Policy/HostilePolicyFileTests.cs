using DeadlineGuard.Observability;
using DeadlineGuard.Policy;
using DeadlineGuard.Tests.Support;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Prometheus;

namespace DeadlineGuard.Tests.Policy;

/// <summary>
/// Issue 13, item 2: no policy file kills the server or stops its reloads. Each attack is replayed against
/// the <see cref="PolicyStore"/> the server runs, at start-up and on reload, and a valid policy written
/// after it must be picked up.
/// </summary>
public sealed class HostilePolicyFileTests : IDisposable
{
    /// <summary>Generous for a loaded 2-core machine; each attack takes milliseconds once refused before it is read or expanded.</summary>
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    private readonly string _folder = Directory.CreateTempSubdirectory("hostile-policy-").FullName;
    private readonly WebhookMetrics _metrics = new(Metrics.NewCustomRegistry());
    private readonly Readiness _readiness = new();
    private readonly RecordingLogger<PolicyStore> _logger = new();

    private string PolicyFile => Path.Combine(_folder, "policy.yaml");

    public static TheoryData<string> Attacks => [.. HostileInput.Names];

    private static string PolicyText(string action) => $"""
        apiVersion: deadline-guard.io/v1
        kind: DeadlinePolicy
        spec:
          action: {action}
        """;

    private PolicyStore Store() => new(Options.Create(new PolicyOptions { File = PolicyFile }), _logger, _metrics, _readiness);

    private double Failures => _metrics.PolicyReloads.WithLabels("failure").Value;

    [Theory]
    [MemberData(nameof(Attacks))]
    public async Task At_start_up_the_attack_is_one_problem_that_names_it(string attack)
    {
        HostileInput.Write(attack, PolicyFile);
        using var store = Store();

        var error = await Should.ThrowAsync<PolicyException>(Task.Run(store.LoadInitial).WaitAsync(Bound));

        error.Problems.ShouldHaveSingleItem().ToString().ShouldContain(HostileInput.Reasons[attack]);
        error.Problems[0].ToString().ShouldNotContain(Environment.NewLine);
        _readiness.IsReady.ShouldBeFalse();
        _metrics.PolicyLastReloadSuccessful.Value.ShouldBe(0);
    }

    [Theory]
    [MemberData(nameof(Attacks))]
    public async Task On_reload_the_attack_is_rejected_once_and_the_next_valid_policy_is_applied(string attack)
    {
        File.WriteAllText(PolicyFile, PolicyText("Deny"));
        using var store = Store();
        store.LoadInitial();

        File.Delete(PolicyFile);
        HostileInput.Write(attack, PolicyFile);
        (await Task.Run(store.Reload).WaitAsync(Bound)).ShouldBeFalse();
        (await Task.Run(store.Reload).WaitAsync(Bound)).ShouldBeFalse(); // the same outcome again: not counted or logged twice

        store.Current.Action.ShouldBe(PolicyAction.Deny);
        Failures.ShouldBe(1);
        _metrics.PolicyLastReloadSuccessful.Value.ShouldBe(0);
        _logger.Messages(12).ShouldHaveSingleItem().ShouldContain(HostileInput.Reasons[attack]);

        HostileInput.Remove(PolicyFile);
        File.WriteAllText(PolicyFile, PolicyText("Warn"));
        store.Reload().ShouldBeTrue();

        store.Current.Action.ShouldBe(PolicyAction.Warn);
        _metrics.PolicyLastReloadSuccessful.Value.ShouldBe(1);
        _metrics.PolicyReloads.WithLabels("success").Value.ShouldBe(2);
    }

    /// <summary>
    /// The production layout: the kubelet's atomic writer puts each version of the ConfigMap in its own
    /// folder and swaps the "..data" symlink to it; policy.yaml is a symlink through "..data". The attack
    /// arrives as a version of its own, and so does the fix.
    /// </summary>
    [Theory]
    [MemberData(nameof(Attacks))]
    public async Task The_watcher_survives_the_attack_and_applies_the_next_valid_policy(string attack)
    {
        var first = Version("..2026_01_01", folder => File.WriteAllText(Path.Combine(folder, "policy.yaml"), PolicyText("Deny")));
        File.CreateSymbolicLink(Path.Combine(_folder, "..data"), first);
        File.CreateSymbolicLink(PolicyFile, Path.Combine("..data", "policy.yaml"));
        using var store = Store();
        store.LoadInitial();
        var changed = new TaskCompletionSource<DeadlinePolicy>(TaskCreationOptions.RunContinuationsAsynchronously);
        store.Changed += p => changed.TrySetResult(p);
        store.StartWatching();

        var rejected = _logger.WaitFor(m => m.Contains(HostileInput.Reasons[attack], StringComparison.Ordinal));
        AtomicSymlink.Swap(_folder, "..data", Version("..2026_01_02", folder => HostileInput.Write(attack, Path.Combine(folder, "policy.yaml"))));
        await rejected.WaitAsync(Bound);
        _metrics.PolicyLastReloadSuccessful.Value.ShouldBe(0);

        AtomicSymlink.Swap(_folder, "..data", Version("..2026_01_03", folder => File.WriteAllText(Path.Combine(folder, "policy.yaml"), PolicyText("Audit"))));
        (await changed.Task.WaitAsync(Bound)).Action.ShouldBe(PolicyAction.Audit);

        _metrics.PolicyLastReloadSuccessful.Value.ShouldBe(1);
        Failures.ShouldBe(1);
        _logger.Messages(12).ShouldHaveSingleItem();
    }

    /// <summary>Item 8: the gauge follows the last attempt even when the restored file is identical to the policy in force.</summary>
    [Fact]
    public void Restoring_the_identical_file_after_a_failed_reload_clears_the_failure()
    {
        File.WriteAllText(PolicyFile, PolicyText("Deny"));
        using var store = Store();
        store.LoadInitial();

        File.Delete(PolicyFile);
        store.Reload().ShouldBeFalse();
        _metrics.PolicyLastReloadSuccessful.Value.ShouldBe(0);

        File.WriteAllText(PolicyFile, PolicyText("Deny"));
        store.Reload().ShouldBeFalse(); // nothing new takes effect ...

        _metrics.PolicyLastReloadSuccessful.Value.ShouldBe(1); // ... but the failure is over
        _metrics.PolicyReloads.WithLabels("success").Value.ShouldBe(2);
        Failures.ShouldBe(1);
        _logger.Messages(13).ShouldHaveSingleItem().ShouldContain("holds the policy in force again");
    }

    [Fact]
    public void A_rejected_change_then_the_policy_in_force_again_also_clears_the_failure()
    {
        File.WriteAllText(PolicyFile, PolicyText("Deny"));
        using var store = Store();
        store.LoadInitial();

        File.WriteAllText(PolicyFile, PolicyText("Block"));
        store.Reload().ShouldBeFalse();
        File.WriteAllText(PolicyFile, PolicyText("Deny"));
        store.Reload().ShouldBeFalse();

        _metrics.PolicyLastReloadSuccessful.Value.ShouldBe(1);
        store.Current.Action.ShouldBe(PolicyAction.Deny);
    }

    /// <summary>
    /// After an error (its inotify queue overflowed, say) a FileSystemWatcher may report nothing more. The store's
    /// watch is recreated and the file read at once, which also picks up a change made while it was not watching;
    /// the clock never moves, so the periodic check plays no part.
    /// </summary>
    [Fact]
    public async Task A_watch_that_fails_is_recreated_and_the_file_read_at_once()
    {
        File.WriteAllText(PolicyFile, PolicyText("Deny"));
        var watchers = new List<BreakableWatcher>();
        using var store = new PolicyStore(Options.Create(new PolicyOptions { File = PolicyFile }), _logger, _metrics, _readiness, new FakeTimeProvider(), folder =>
        {
            var watcher = new BreakableWatcher(folder);
            lock (watchers)
            {
                watchers.Add(watcher);
            }

            return watcher;
        });
        store.LoadInitial();
        var warned = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var audited = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        store.Changed += p => (p.Action == PolicyAction.Warn ? warned : p.Action == PolicyAction.Audit ? audited : null)?.TrySetResult();
        store.StartWatching();
        var first = watchers.ShouldHaveSingleItem();

        first.EnableRaisingEvents = false; // what a failed inotify watch amounts to: later changes are not reported
        File.WriteAllText(PolicyFile, PolicyText("Warn"));
        first.Fail();
        await warned.Task.WaitAsync(Bound);

        File.WriteAllText(PolicyFile, PolicyText("Audit")); // seen by the new watch
        await audited.Task.WaitAsync(Bound);
        lock (watchers)
        {
            watchers.Count.ShouldBe(2);
        }

        first.WasDisposed.ShouldBeTrue();
        _logger.Messages(25).ShouldHaveSingleItem().ShouldContain("too many changes at once");
    }

    /// <summary>
    /// Where no watch can be made (the per-user inotify limits reached) or events are lost, the file is read every
    /// Policy:ReloadCheckSeconds: the change is applied at the first check and not before.
    /// </summary>
    [Fact]
    public async Task Without_a_watch_a_change_is_applied_at_the_next_periodic_check()
    {
        File.WriteAllText(PolicyFile, PolicyText("Deny"));
        var clock = new FakeTimeProvider();
        using var store = new PolicyStore(
            Options.Create(new PolicyOptions { File = PolicyFile, ReloadCheckSeconds = 30 }), _logger, _metrics, _readiness, clock,
            _ => throw new IOException("The configured user limit (128) on the number of inotify instances has been reached"));
        store.LoadInitial();
        var changed = new TaskCompletionSource<DeadlinePolicy>(TaskCreationOptions.RunContinuationsAsynchronously);
        store.Changed += p => changed.TrySetResult(p);
        store.StartWatching();

        File.WriteAllText(PolicyFile, PolicyText("Warn"));
        clock.Advance(TimeSpan.FromSeconds(29));
        store.Current.Action.ShouldBe(PolicyAction.Deny);
        changed.Task.IsCompleted.ShouldBeFalse();
        clock.Advance(TimeSpan.FromSeconds(1));

        (await changed.Task.WaitAsync(Bound)).Action.ShouldBe(PolicyAction.Warn);
        store.WatchedDirectories.ShouldBeEmpty();
        _logger.Messages(24).ShouldHaveSingleItem().ShouldContain("checked every 30 s");
    }

    [Fact]
    public void A_failing_listener_neither_undoes_the_reload_nor_keeps_the_others_from_hearing_of_it()
    {
        File.WriteAllText(PolicyFile, PolicyText("Deny"));
        using var store = Store();
        store.LoadInitial();
        DeadlinePolicy? heard = null;
        store.Changed += _ => throw new InvalidOperationException("listener broke");
        store.Changed += p => heard = p;

        File.WriteAllText(PolicyFile, PolicyText("Warn"));
        store.Reload().ShouldBeTrue();

        heard.ShouldNotBeNull().Action.ShouldBe(PolicyAction.Warn);
        _metrics.PolicyLastReloadSuccessful.Value.ShouldBe(1);
        var failure = _logger.Entries.Where(e => e.EventId == 17).ShouldHaveSingleItem();
        failure.Exception.ShouldBeOfType<InvalidOperationException>().Message.ShouldBe("listener broke");
    }

    private string Version(string name, Action<string> fill)
    {
        var folder = Directory.CreateDirectory(Path.Combine(_folder, name)).FullName;
        fill(folder);
        return name;
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true); // unlinks links, FIFOs and all, following no link
}

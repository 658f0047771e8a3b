using DeadlineGuard.Reconciler;
using DeadlineGuard.Tests.Support.FakeKube;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using static DeadlineGuard.Tests.Reconciler.ReconcilerHosts;
using static DeadlineGuard.Tests.Reconciler.RolloutObjects;

namespace DeadlineGuard.Tests.Reconciler;

/// <summary>
/// Two whole reconciler hosts with leader election (a coordination.k8s.io Lease, the library's own timers in real
/// time, short lease timings) against one fake API server.
/// </summary>
public sealed class LeaderElectionTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Two_reconcilers_abort_the_stuck_rollout_once_between_them_even_across_a_leader_change()
    {
        await using var kube = await FakeKubeApiServer.StartAsync();
        var seeded = SeedTheCluster(kube);
        using var clientA = kube.CreateClient();
        using var clientB = kube.CreateClient();
        string[] settings =
        [
            "--Reconciler:LeaseNamespace=" + LeaseNamespace,
            "--Reconciler:LeaseDurationSeconds=3",
            "--Reconciler:RenewDeadlineSeconds=2",
            "--Reconciler:RetryPeriodSeconds=1",
        ];
        await using var a = Build(clientA, settings);
        await using var b = Build(clientB, settings);
        var running = new List<WebApplication>();
        try
        {
            await Task.WhenAll(a.StartAsync(), b.StartAsync());
            running.AddRange([a, b]);

            var patch = await kube.WaitForRequestAsync(IsStatusPatch, Wait);
            var post = await kube.WaitForRequestAsync(IsEventPost, Wait);
            var leader = kube.Get("leases", LeaseNamespace, LeaseName)!["spec"]!["holderIdentity"]!.GetValue<string>();
            var (leading, standing) = Identity(a) == leader ? (a, b) : (b, a);
            Identity(standing).ShouldNotBe(leader);

            // Both keep running: three more renewals by the leader, while the standby waits for the Lease.
            var last = post;
            for (var i = 0; i < 3; i++)
            {
                var after = last.Sequence;
                last = await kube.WaitForRequestAsync(r => r.Sequence > after && IsLeaseRenewal(r, leader), Wait);
            }

            patch.Path.ShouldBe(StatusPath("shop", "checkout"));
            kube.Requests.Where(IsStatusPatch).ShouldBe([patch], "one abort between the two");
            kube.Requests.Where(IsEventPost).ShouldBe([post], "one Event between the two");
            ShouldBeUntouched(kube, seeded);

            // Ready: the leader once its first list is judged (and acted on), the standby once it has seen the leader.
            using var toLeader = new HttpClient { BaseAddress = new Uri(leading.Urls.Single()) };
            using var toStandby = new HttpClient { BaseAddress = new Uri(standing.Urls.Single()) };
            (await ProbeAsync(toLeader, "/readyz", Wait)).Status.ShouldBe(200);
            (await ProbeAsync(toStandby, "/readyz", Wait)).Status.ShouldBe(200);
            Actions(leading).ShouldBe(1);
            Actions(standing).ShouldBe(0);

            // The leader goes away; the standby takes the Lease over once it expires, lists, and leaves the aborted
            // Rollout alone. A stuck Rollout that appears meanwhile shows it has judged everything.
            await leading.StopAsync();
            running.Remove(leading);
            var mark = kube.Requests.Count;
            kube.Seed(StuckRevision4("shop", "late", started: DateTimeOffset.UtcNow.AddHours(-1)));
            var latePatch = await kube.WaitForRequestAsync(r => r.Sequence > mark && IsStatusPatch(r), Wait);
            await kube.WaitForRequestAsync(r => r.Sequence > mark && IsEventPost(r) && Regards(r, "late"), Wait);

            latePatch.Path.ShouldBe(StatusPath("shop", "late"));
            kube.Get("leases", LeaseNamespace, LeaseName)!["spec"]!["holderIdentity"]!.GetValue<string>().ShouldBe(Identity(standing));
            kube.Requests.Count(r => IsStatusPatch(r) && r.Path == StatusPath("shop", "checkout")).ShouldBe(1, "the new leader does not abort again");
            kube.Requests.Count(r => IsEventPost(r) && Regards(r, "checkout")).ShouldBe(1);
            kube.Requests.Count(IsEventPost).ShouldBe(2, "one Event for each stuck Rollout");
            ShouldBeUntouched(kube, seeded);
        }
        finally
        {
            foreach (var app in running)
            {
                await app.StopAsync();
            }
        }
    }

    private static string Identity(WebApplication app) =>
        app.Services.GetServices<IHostedService>().OfType<ReconcilerService>().Single().Identity;

    private static double Actions(WebApplication app) =>
        app.Services.GetRequiredService<ReconcilerMetrics>().Actions.WithLabels("Aborted", "success", "deadline").Value;
}

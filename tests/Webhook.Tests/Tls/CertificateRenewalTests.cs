using System.Text.Json.Nodes;
using DeadlineGuard.Tests.Support.FakeKube;
using DeadlineGuard.Tls;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace DeadlineGuard.Tests.Tls;

public sealed class CertificateRenewalTests
{
    [Fact]
    public async Task The_leader_renews_when_the_next_check_falls_due_and_not_before()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 27, 10, 0, 0, TimeSpan.Zero));
        await using var api = await FakeKubeApiServer.StartAsync(clock);
        api.Seed(new JsonObject
        {
            ["apiVersion"] = "admissionregistration.k8s.io/v1",
            ["kind"] = "MutatingWebhookConfiguration",
            ["metadata"] = new JsonObject { ["name"] = "rdg" },
            ["webhooks"] = new JsonArray(new JsonObject { ["name"] = "mutate.rollouts.deadline-guard.io", ["clientConfig"] = new JsonObject() }),
        });
        var options = new CertsOptions
        {
            Enabled = true,
            Namespace = "rdg",
            ServiceName = "rdg-webhook",
            SecretName = "rdg-tls",
            MutatingWebhook = "rdg",
            CertValidityDays = 10,
            RenewBeforeDays = 2,
            CaValidityDays = 100,
            CheckIntervalMinutes = 24 * 60 * 30,
        };
        var renewal = new CertificateRenewal(new CertificateRotator(api.Client, options, clock, NullLogger<CertificateRotator>.Instance), clock, NullLogger<CertificateRenewal>.Instance);
        using var stop = new CancellationTokenSource();
        var running = renewal.RunAsync(stop.Token);

        // The last call of a pass reads the serving Secret back to plan the next check.
        var first = await api.WaitForRequestAsync(r => r.Method == "GET" && r.Path.EndsWith("/secrets/rdg-tls", StringComparison.Ordinal) && api.Get("secrets", "rdg", "rdg-tls") is not null, TimeSpan.FromSeconds(30));
        var firstLeaf = api.Get("secrets", "rdg", "rdg-tls")!["data"]!["tls.crt"]!.GetValue<string>();
        var mark = api.Requests.Count;

        clock.Advance(TimeSpan.FromDays(7)); // one day before the renewal point (10 - 2 days)
        var early = api.Requests.Skip(mark).Count(r => r.Method is "PUT" or "POST");

        clock.Advance(TimeSpan.FromDays(1) + TimeSpan.FromMinutes(1));
        await api.WaitForRequestAsync(r => r.Sequence > mark && r.Method == "PUT" && r.Path.EndsWith("/secrets/rdg-tls", StringComparison.Ordinal), TimeSpan.FromSeconds(30));

        early.ShouldBe(0);
        first.ShouldNotBeNull();
        api.Get("secrets", "rdg", "rdg-tls")!["data"]!["tls.crt"]!.GetValue<string>().ShouldNotBe(firstLeaf);
        await stop.CancelAsync();
        await running;
    }
}

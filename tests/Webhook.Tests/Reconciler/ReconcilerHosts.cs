using System.Text.Json.Nodes;
using DeadlineGuard.Hosting;
using DeadlineGuard.Tests.Support.FakeKube;
using k8s;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace DeadlineGuard.Tests.Reconciler;

/// <summary>Helpers for tests that run whole reconciler hosts (real time) against the fake API server.</summary>
internal static class ReconcilerHosts
{
    public const string LeaseNamespace = "deadline-guard";
    public const string LeaseName = "rollout-deadline-guard-reconciler";

    /// <summary>The <c>reconcile</c> host as <see cref="ReconcilerApp.Build"/> makes it, talking to the fake through <paramref name="client"/>.</summary>
    public static WebApplication Build(IKubernetes client, params string[] settings) =>
        ReconcilerApp.Build(
            ["--urls", "http://127.0.0.1:0", "--Serilog:MinimumLevel:Default=Warning", .. settings],
            services => services.AddSingleton(client));

    public static string StatusPath(string ns, string name) => $"/apis/argoproj.io/v1alpha1/namespaces/{ns}/rollouts/{name}/status";

    public static bool IsWrite(RecordedRequest r) => r.Method != "GET";

    public static bool IsStatusPatch(RecordedRequest r) => r.Method == "PATCH" && r.Path.EndsWith("/status", StringComparison.Ordinal);

    public static bool IsEventPost(RecordedRequest r) => r.Method == "POST" && r.Path.StartsWith("/apis/events.k8s.io/v1/namespaces/", StringComparison.Ordinal);

    public static bool IsRolloutList(RecordedRequest r) => r.Method == "GET" && r.Path == "/apis/argoproj.io/v1alpha1/rollouts" && !r.IsWatch;

    /// <summary>The namespace of the Rollout an Event post is about.</summary>
    public static string RegardingNamespace(RecordedRequest post) => JsonNode.Parse(post.Body)!["regarding"]!["namespace"]!.GetValue<string>();

    public static bool IsLeaseRenewal(RecordedRequest r, string holder) =>
        r.Method == "PUT" && r.Path == $"/apis/coordination.k8s.io/v1/namespaces/{LeaseNamespace}/leases/{LeaseName}"
        && JsonNode.Parse(r.Body)?["spec"]?["holderIdentity"]?.GetValue<string>() == holder;

    public static bool Regards(RecordedRequest r, string name) =>
        r.Body.Length > 0 && JsonNode.Parse(r.Body)?["regarding"]?["name"]?.GetValue<string>() == name;

    /// <summary>Asks <paramref name="path"/> until it answers 200 (a probe, as the kubelet's), or gives up after <paramref name="timeout"/>.</summary>
    public static async Task<(int Status, string Body)> ProbeAsync(HttpClient http, string path, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (true)
        {
            using var response = await http.GetAsync(new Uri(path, UriKind.Relative));
            var body = await response.Content.ReadAsStringAsync();
            if (response.IsSuccessStatusCode || DateTime.UtcNow > until)
            {
                return ((int)response.StatusCode, body);
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100));
        }
    }

    /// <summary>
    /// Stores <see cref="RolloutObjects.Cluster"/> as of now (these hosts run in real time): the stuck revision 4, started
    /// an hour ago, and the Rollouts to leave alone, whose stored copies it returns.
    /// </summary>
    public static List<JsonObject> SeedTheCluster(FakeKubeApiServer kube)
    {
        var now = DateTimeOffset.UtcNow;
        var (stuck, others) = RolloutObjects.Cluster(now.AddHours(-1), now.AddSeconds(-5));
        kube.Seed(stuck);
        return [.. others.Select(kube.Seed)];
    }

    /// <summary>Every stored object of <paramref name="seeded"/> is unchanged (same content, same resourceVersion).</summary>
    public static void ShouldBeUntouched(FakeKubeApiServer kube, IEnumerable<JsonObject> seeded)
    {
        foreach (var stored in seeded)
        {
            var ns = stored["metadata"]!["namespace"]!.GetValue<string>();
            var name = stored["metadata"]!["name"]!.GetValue<string>();
            JsonNode.DeepEquals(kube.Get("rollouts", ns, name), stored).ShouldBeTrue($"{ns}/{name} is left as it was");
        }
    }
}

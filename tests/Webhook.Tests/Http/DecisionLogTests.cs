using System.Text.Json.Nodes;
using DeadlineGuard.Tests.Support;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Serilog.Events;
using Serilog.Formatting.Compact;
using static DeadlineGuard.Tests.Http.MutateContractTests;

namespace DeadlineGuard.Tests.Http;

/// <summary>DESIGN §3: every decision is one structured Serilog event with uid, namespace/name, operation, user and decision.</summary>
public sealed class DecisionLogTests : IAsyncLifetime, IAsyncDisposable
{
    private readonly string _key;
    private readonly LoggingWebhookFactory _factory;
    private HttpClient _client = null!;

    public DecisionLogTests()
    {
        var (key, settings) = CapturedLogs.NewSink();
        _key = key;
        _factory = new LoggingWebhookFactory(settings);
    }

    public Task InitializeAsync()
    {
        _client = _factory.CreateClient();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _factory.DisposeAsync();
    }

    async ValueTask IAsyncDisposable.DisposeAsync() => await DisposeAsync();

    public static TheoryData<string, string, string, string, string, string> Decisions => new()
    {
        // name, endpoint, operation, namespace, review shape, decision
        { "a create that gets a patch", "/mutate", "CREATE", "team-a", "bare", "patched" },
        { "a compliant update", "/validate", "UPDATE", "team-b", "compliant", "allowed" },
        { "a denial", "/validate", "CREATE", "team-c", "breaking", "denied" },
        { "a rollout in an exempt namespace", "/mutate", "UPDATE", "kube-system", "bare", "exempt" },
    };

    [Theory]
    [MemberData(nameof(Decisions))]
    public async Task One_structured_event_is_written_per_decision(string name, string endpoint, string operation, string @namespace, string shape, string decision)
    {
        var uid = Guid.NewGuid().ToString();
        var rollout = shape switch
        {
            "compliant" => WithFields(Reviews.Rollout("checkout", @namespace), 600, true),
            "breaking" => WithFields(Reviews.Rollout("checkout", @namespace), 10, true),
            _ => Reviews.Rollout("checkout", @namespace),
        };
        var old = operation == "UPDATE" ? WithFields(Reviews.Rollout("checkout", @namespace), 600, true) : null;

        await _client.ReviewAsync(endpoint, Reviews.Review(rollout, operation, old, uid: uid, user: "bob@example.com"));

        var logged = DecisionEvents(uid);
        logged.Count.ShouldBe(1, name);
        var properties = logged[0].Properties;
        Scalar(properties, "Uid").ShouldBe(uid, name);
        Scalar(properties, "Namespace").ShouldBe(@namespace, name + ": " + string.Join(", ", properties.Select(p => $"{p.Key}={p.Value}")));
        Scalar(properties, "Name").ShouldBe("checkout", name);
        Scalar(properties, "Operation").ShouldBe(operation, name);
        Scalar(properties, "User").ShouldBe("bob@example.com", name);
        Scalar(properties, "Decision").ShouldBe(decision, name);
        Scalar(properties, "Endpoint").ShouldBe(endpoint.TrimStart('/'), name);
        properties.Keys.ShouldContain("Violations", name);
        properties.Keys.ShouldContain("PatchOperations", name);
        properties.Keys.ShouldContain("DurationMs", name);
    }

    [Fact]
    public async Task A_denial_event_lists_the_violations_and_a_patch_event_counts_its_operations()
    {
        var denied = Guid.NewGuid().ToString();
        var patched = Guid.NewGuid().ToString();

        await _client.ReviewAsync("/validate", Reviews.Review(WithFields(Reviews.Rollout(), 10, false), uid: denied));
        await _client.ReviewAsync("/mutate", Reviews.Review(Reviews.Rollout(), uid: patched));

        var violations = DecisionEvents(denied).Single().Properties["Violations"].ShouldBeOfType<SequenceValue>();
        violations.Elements.Select(e => ((ScalarValue)e).Value!.ToString()).ShouldBe(
            ["spec.progressDeadlineSeconds is 10; it must be at least 30 (policy bounds 30-3600)",
             "spec.progressDeadlineAbort is false; it must be true: the policy requires a Rollout to abort when its deadline passes"]);
        // Two deadline fields and the revision-history annotation.
        ((ScalarValue)DecisionEvents(patched).Single().Properties["PatchOperations"]).Value.ShouldBe(3);
    }

    [Fact]
    public async Task A_validate_event_lists_the_pitfall_ids_reported_and_says_what_was_not_judged()
    {
        var reported = Guid.NewGuid().ToString();
        var workload = Guid.NewGuid().ToString();
        var mutated = Guid.NewGuid().ToString();
        var byReference = WithFields(Reviews.Rollout("by-ref"), 600, true);
        byReference["spec"]!.AsObject().Remove("template");
        byReference["spec"]!["workloadRef"] = new JsonObject { ["apiVersion"] = "apps/v1", ["kind"] = "Deployment", ["name"] = "web" };

        // Reviews.Rollout has two pitfalls: DG101 (abortScaleDownDelaySeconds 30) and DG102 (no readinessProbe).
        await _client.ReviewAsync("/validate", Reviews.Review(WithFields(Reviews.Rollout(), 600, true), uid: reported));
        await _client.ReviewAsync("/validate", Reviews.Review(byReference, uid: workload));
        await _client.ReviewAsync("/mutate", Reviews.Review(Reviews.Rollout(), uid: mutated));

        static List<string> Ids(LogEvent e) =>
            [.. e.Properties["Pitfalls"].ShouldBeOfType<SequenceValue>().Elements.Select(v => ((ScalarValue)v).Value!.ToString()!)];
        var first = DecisionEvents(reported).Single();
        Ids(first).ShouldBe(["DG101", "DG102"]);
        first.Properties.ContainsKey("PitfallNotes").ShouldBeFalse();
        var second = DecisionEvents(workload).Single();
        Ids(second).ShouldBe(["DG101"], "the template is behind the workloadRef: DG102 is not judged");
        second.Properties["PitfallNotes"].ShouldBeOfType<SequenceValue>().Elements.ShouldHaveSingleItem()
            .ShouldBeOfType<ScalarValue>().Value!.ToString()!.ShouldContain("spec.workloadRef");
        Ids(DecisionEvents(mutated).Single()).ShouldBeEmpty("/mutate does not look for pitfalls");
    }

    [Fact]
    public async Task The_event_is_written_as_one_line_of_compact_json_with_the_fields_as_properties()
    {
        var uid = Guid.NewGuid().ToString();
        await _client.ReviewAsync("/mutate", Reviews.Review(Reviews.Rollout(), uid: uid));
        using var text = new StringWriter();

        new RenderedCompactJsonFormatter().Format(DecisionEvents(uid).Single(), text);

        var line = text.ToString().TrimEnd('\n');
        line.ShouldNotContain('\n');
        var json = JsonNode.Parse(line)!.AsObject();
        json["Uid"]!.GetValue<string>().ShouldBe(uid);
        json["Namespace"]!.GetValue<string>().ShouldBe("team-a");
        json["Name"]!.GetValue<string>().ShouldBe("web");
        json["Operation"]!.GetValue<string>().ShouldBe("CREATE");
        json["User"]!.GetValue<string>().ShouldBe("alice@example.com");
        json["Decision"]!.GetValue<string>().ShouldBe("patched");
        json["@m"]!.GetValue<string>().ShouldContain(uid);
    }

    [Fact]
    public async Task Each_of_several_reviews_gets_exactly_its_own_event()
    {
        var uids = Enumerable.Range(0, 5).Select(_ => Guid.NewGuid().ToString()).ToList();

        foreach (var uid in uids)
        {
            await _client.ReviewAsync("/mutate", Reviews.Review(Reviews.Rollout(), uid: uid));
            await _client.ReviewAsync("/validate", Reviews.Review(Reviews.Rollout(), uid: uid + "-v"));
        }

        foreach (var uid in uids)
        {
            DecisionEvents(uid).Count.ShouldBe(1);
            DecisionEvents(uid + "-v").Count.ShouldBe(1);
        }
    }

    [Fact]
    public async Task Another_host_started_and_stopped_in_the_same_process_does_not_take_or_silence_this_hosts_events()
    {
        var (otherKey, otherSettings) = CapturedLogs.NewSink();
        await using (var other = new LoggingWebhookFactory(otherSettings))
        {
            using var otherClient = other.CreateClient();
            await otherClient.ReviewAsync("/mutate", Reviews.Review(Reviews.Rollout(), uid: "other-host"));
        }

        var uid = Guid.NewGuid().ToString();
        await _client.ReviewAsync("/mutate", Reviews.Review(Reviews.Rollout(), uid: uid));

        DecisionEvents(uid).Count.ShouldBe(1);
        CapturedLogs.For(otherKey).ShouldNotContain(e => e.Properties.ContainsKey("Uid") && Scalar(e.Properties, "Uid") == uid);
    }

    private List<LogEvent> DecisionEvents(string uid) =>
        CapturedLogs.For(_key)
            .Where(e => e.Properties.ContainsKey("Decision") && e.Properties.TryGetValue("Uid", out var value) && value is ScalarValue { Value: string s } && s == uid)
            .ToList();

    private static string? Scalar(IReadOnlyDictionary<string, LogEventPropertyValue> properties, string name) =>
        properties.TryGetValue(name, out var value) && value is ScalarValue scalar ? scalar.Value?.ToString() : null;

    /// <summary>
    /// Adds the capture sink's settings as an app configuration source. Settings given through UseSetting reach
    /// the app through a chained provider that reports the array element "Serilog:WriteTo:0" itself as an empty
    /// string, which Serilog.Settings.Configuration then takes for a sink named "" (found with SelfLog).
    /// </summary>
    private sealed class LoggingWebhookFactory(Dictionary<string, string?> settings) : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder) =>
            builder.ConfigureAppConfiguration(configuration => configuration.AddInMemoryCollection(settings));
    }
}

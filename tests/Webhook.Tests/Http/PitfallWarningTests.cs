using System.Globalization;
using System.Text.Json.Nodes;
using DeadlineGuard.Tests.Support;
using static DeadlineGuard.Tests.Http.MutateContractTests;

namespace DeadlineGuard.Tests.Http;

/// <summary>Rollouts with each pitfall, built on <see cref="Reviews.PitfallFree"/>: one change per pitfall.</summary>
internal static class PitfallShapes
{
    /// <summary>DG101: BlueGreen with the default abortScaleDownDelaySeconds (30).</summary>
    public static JsonObject StaleScaleDown(JsonObject rollout)
    {
        rollout["spec"]!["strategy"]!["blueGreen"]!.AsObject().Remove("abortScaleDownDelaySeconds");
        return rollout;
    }

    /// <summary>DG102: the container has no readinessProbe.</summary>
    public static JsonObject NoReadiness(JsonObject rollout)
    {
        rollout["spec"]!["template"]!["spec"]!["containers"]![0]!.AsObject().Remove("readinessProbe");
        return rollout;
    }

    /// <summary>DG103: a startup probe declaring 300 s, with the deadline at 60.</summary>
    public static JsonObject SlowStart(JsonObject rollout)
    {
        rollout["spec"]!["progressDeadlineSeconds"] = 60;
        rollout["spec"]!["template"]!["spec"]!["containers"]![0]!["startupProbe"] = new JsonObject
        {
            ["httpGet"] = new JsonObject { ["path"] = "/healthz", ["port"] = 8080 },
            ["periodSeconds"] = 10,
            ["failureThreshold"] = 30,
        };
        return rollout;
    }

    /// <summary>A canary (abortScaleDownDelaySeconds 0) with a pause step without duration (DG104) and Istio routing (DG105).</summary>
    public static JsonObject CanaryWithPauseAndRouting(JsonObject rollout)
    {
        rollout["spec"]!["strategy"] = new JsonObject
        {
            ["canary"] = new JsonObject
            {
                ["abortScaleDownDelaySeconds"] = 0,
                ["trafficRouting"] = new JsonObject { ["istio"] = new JsonObject { ["virtualService"] = new JsonObject { ["name"] = "web" } } },
                ["steps"] = new JsonArray(new JsonObject { ["setWeight"] = 20 }, new JsonObject { ["pause"] = new JsonObject() }),
            },
        };
        return rollout;
    }

    public static JsonObject Annotated(JsonObject rollout, string ignore)
    {
        rollout["metadata"]!["annotations"] = new JsonObject { ["deadline-guard.io/ignore-pitfalls"] = ignore };
        return rollout;
    }

    /// <summary>The ids of the pitfall lines of an answer, in order (lines starting with a catalogued id).</summary>
    public static List<string> PitfallIds(IReadOnlyList<string> warnings) =>
        [.. warnings.Select(w => w.Split(' ')[0]).Where(id => DeadlineGuard.Pitfalls.PitfallCatalog.Find(id)?.Id == id)];
}

/// <summary>The built-in policy (Deny), no reconciler: every pitfall is reported, none refuses a Rollout.</summary>
public sealed class PitfallWarningTests(DefaultPolicyWebhook webhook) : IClassFixture<DefaultPolicyWebhook>
{
    private readonly HttpClient _client = webhook.Client;

    private static JsonObject Compliant(JsonObject rollout) => WithFields(rollout, 600, true);

    public static TheoryData<string, string> EachPitfall => new()
    {
        { "DG100", "an unknown id in the annotation" },
        { "DG101", "BlueGreen abortScaleDownDelaySeconds 30" },
        { "DG102", "no readinessProbe" },
        { "DG103", "deadline shorter than the declared start-up" },
        { "DG104", "pause step without duration" },
        { "DG105", "canary trafficRouting" },
    };

    private static JsonObject With(string id) => id switch
    {
        "DG100" => PitfallShapes.Annotated(Compliant(Reviews.PitfallFree()), "DG1O2"),
        "DG101" => PitfallShapes.StaleScaleDown(Compliant(Reviews.PitfallFree())),
        "DG102" => PitfallShapes.NoReadiness(Compliant(Reviews.PitfallFree())),
        "DG103" => PitfallShapes.SlowStart(Compliant(Reviews.PitfallFree())),
        "DG104" => PitfallShapes.Annotated(PitfallShapes.CanaryWithPauseAndRouting(Compliant(Reviews.PitfallFree())), "DG105"),
        _ => PitfallShapes.Annotated(PitfallShapes.CanaryWithPauseAndRouting(Compliant(Reviews.PitfallFree())), "DG104"),
    };

    [Theory]
    [MemberData(nameof(EachPitfall))]
    public async Task Each_pitfall_is_one_warning_that_starts_with_its_id_and_the_rollout_is_allowed(string id, string shape)
    {
        var answer = await _client.ReviewAsync("/validate", Reviews.Review(With(id)));

        answer.Allowed.ShouldBeTrue(shape);
        PitfallShapes.PitfallIds(answer.Warnings).ShouldBe([id], shape);
        answer.Warnings.ShouldHaveSingleItem(shape).Length.ShouldBeLessThan(120);
    }

    [Fact]
    public async Task Pitfalls_never_turn_into_a_denial_nor_into_its_message()
    {
        // Within the policy but for the abort flag: with Deny that is a denial, for the policy's reason alone.
        var rollout = PitfallShapes.NoReadiness(PitfallShapes.StaleScaleDown(WithFields(Reviews.PitfallFree(), 600, false)));

        var denied = await _client.ReviewAsync("/validate", Reviews.Review(rollout.DeepClone().AsObject()));

        denied.Allowed.ShouldBeFalse();
        denied.Status!["message"]!.GetValue<string>().ShouldNotContain("DG10");
        PitfallShapes.PitfallIds(denied.Warnings).ShouldBe(["DG101", "DG102"]);

        var allowed = await _client.ReviewAsync("/validate", Reviews.Review(Compliant(rollout)));
        allowed.Allowed.ShouldBeTrue();
        allowed.Response.ContainsKey("status").ShouldBeFalse();
        PitfallShapes.PitfallIds(allowed.Warnings).ShouldBe(["DG101", "DG102"]);
    }

    [Fact]
    public async Task More_than_three_pitfalls_give_three_lines_then_one_that_names_the_rest()
    {
        var rollout = PitfallShapes.Annotated(
            PitfallShapes.SlowStart(PitfallShapes.NoReadiness(PitfallShapes.CanaryWithPauseAndRouting(Compliant(Reviews.PitfallFree())))), "nope");
        rollout["spec"]!["strategy"]!["canary"]!.AsObject().Remove("abortScaleDownDelaySeconds"); // DG101 too

        var answer = await _client.ReviewAsync("/validate", Reviews.Review(rollout));

        answer.Allowed.ShouldBeTrue();
        answer.Warnings.Count.ShouldBe(4);
        PitfallShapes.PitfallIds(answer.Warnings).ShouldBe(["DG101", "DG102", "DG103"], "most severe first, then by id");
        answer.Warnings[3].ShouldStartWith("and 3 more pitfalls: DG104, DG105, DG100");
        answer.Warnings.ShouldAllBe(w => w.Length < 120);
    }

    [Theory]
    [InlineData("DG101,DG102")]
    [InlineData(" dg102 , DG101 ,")]
    public async Task The_annotation_silences_the_pitfalls_it_names_for_that_rollout(string annotation)
    {
        var rollout = PitfallShapes.NoReadiness(PitfallShapes.StaleScaleDown(Compliant(Reviews.PitfallFree())));

        var answer = await _client.ReviewAsync("/validate", Reviews.Review(PitfallShapes.Annotated(rollout, annotation)));

        answer.Warnings.ShouldBeEmpty();
    }

    [Fact]
    public async Task Mutate_reports_no_pitfalls_only_validate_does()
    {
        var answer = await _client.ReviewAsync("/mutate", Reviews.Review(PitfallShapes.NoReadiness(PitfallShapes.StaleScaleDown(Reviews.PitfallFree()))));

        PitfallShapes.PitfallIds(answer.Warnings).ShouldBeEmpty();
    }

    [Fact]
    public async Task An_exempt_rollout_is_not_judged_for_pitfalls_either()
    {
        // The built-in policy honours the exemption annotation nowhere: use an exempt namespace instead.
        var rollout = PitfallShapes.NoReadiness(Compliant(Reviews.PitfallFree(@namespace: "kube-system")));

        var answer = await _client.ReviewAsync("/validate", Reviews.Review(rollout));

        answer.Allowed.ShouldBeTrue();
        answer.Warnings.ShouldBeEmpty();
    }

    [Fact]
    public async Task Each_reported_pitfall_is_counted_by_id()
    {
        var before = await Counters();

        await _client.ReviewAsync("/validate", Reviews.Review(PitfallShapes.NoReadiness(PitfallShapes.StaleScaleDown(Compliant(Reviews.PitfallFree())))));
        await _client.ReviewAsync("/validate", Reviews.Review(PitfallShapes.Annotated(PitfallShapes.NoReadiness(Compliant(Reviews.PitfallFree())), "DG102")));

        var after = await Counters();
        (after["DG101"] - before["DG101"]).ShouldBe(1);
        (after["DG102"] - before["DG102"]).ShouldBe(1, "an ignored pitfall is not counted");
        (after["DG105"] - before["DG105"]).ShouldBe(0);
    }

    private async Task<Dictionary<string, double>> Counters()
    {
        var text = await _client.GetStringAsync("/metrics");
        return DeadlineGuard.Pitfalls.PitfallCatalog.All.ToDictionary(
            d => d.Id,
            d =>
            {
                var line = text.Split('\n').Single(l => l.StartsWith($"deadline_guard_admission_pitfalls_total{{id=\"{d.Id}\"}} ", StringComparison.Ordinal));
                return double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
            });
    }
}

/// <summary>Action Warn: the policy's own warnings, then the pitfalls'.</summary>
public sealed class PitfallWarningOrderTests(WarnPolicyWebhook webhook) : IClassFixture<WarnPolicyWebhook>
{
    [Fact]
    public async Task Pitfall_warnings_come_after_the_policys_own()
    {
        var rollout = PitfallShapes.NoReadiness(PitfallShapes.StaleScaleDown(WithFields(Reviews.PitfallFree(), 10, false)));

        var answer = await webhook.Client.ReviewAsync("/validate", Reviews.Review(rollout));

        answer.Allowed.ShouldBeTrue();
        answer.Warnings.Count.ShouldBe(4);
        answer.Warnings[0].ShouldStartWith("spec.progressDeadline");
        answer.Warnings[1].ShouldStartWith("spec.progressDeadline");
        PitfallShapes.PitfallIds(answer.Warnings).ShouldBe(["DG101", "DG102"]);
        answer.Warnings[2].ShouldStartWith("DG101 ");
        answer.Warnings[3].ShouldStartWith("DG102 ");
    }
}

/// <summary>
/// A policy that ignores DG103 and limits pauses to an hour, with the reconciler told to act in team-a only
/// (<c>Pitfalls:ReconcilerRunning</c>, <c>Pitfalls:ReconcilerNamespaces</c>, as the chart sets them).
/// </summary>
public sealed class ReconcilerInTeamAWebhook : WebhookFixture
{
    private readonly PolicyFile _policy = new("""
        apiVersion: deadline-guard.io/v1
        kind: DeadlinePolicy
        spec:
          pauses:
            maxSeconds: 3600
          pitfalls:
            ignore: [dg103]
        """);

    protected override IReadOnlyDictionary<string, string?> Settings() => new Dictionary<string, string?>
    {
        ["Policy:File"] = _policy.FilePath,
        ["Pitfalls:ReconcilerRunning"] = "true",
        ["Pitfalls:ReconcilerNamespaces:0"] = "team-a",
    };

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _policy.Dispose();
    }
}

public sealed class PitfallCoverageTests(ReconcilerInTeamAWebhook webhook) : IClassFixture<ReconcilerInTeamAWebhook>
{
    private readonly HttpClient _client = webhook.Client;

    private static JsonObject EveryPitfall(string @namespace)
    {
        var rollout = PitfallShapes.SlowStart(PitfallShapes.NoReadiness(PitfallShapes.CanaryWithPauseAndRouting(WithFields(Reviews.PitfallFree(@namespace: @namespace), 600, true))));
        rollout["spec"]!["strategy"]!["canary"]!.AsObject().Remove("abortScaleDownDelaySeconds");
        return rollout;
    }

    [Theory]
    [InlineData("team-a", new[] { "DG102" })]
    [InlineData("team-b", new[] { "DG101", "DG102", "DG104" })]
    public async Task Pitfalls_the_reconciler_covers_and_the_policy_ignores_are_not_reported(string @namespace, string[] expected)
    {
        // team-a: the reconciler watches it, so DG101 and DG105 do no harm and its pause limit is in force (no DG104).
        // team-b: no reconciler, so no pause limit is enforced either. DG103 is ignored by the policy everywhere.
        var answer = await _client.ReviewAsync("/validate", Reviews.Review(EveryPitfall(@namespace)));

        answer.Allowed.ShouldBeTrue();
        var ids = PitfallShapes.PitfallIds(answer.Warnings);
        ids.ShouldBe(expected.Take(3), @namespace);
        if (expected.Length == 3)
        {
            answer.Warnings[^1].ShouldStartWith("and 1 more pitfall: DG105");
        }
    }
}

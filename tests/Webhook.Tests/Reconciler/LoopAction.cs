using System.Text.Json.Nodes;
using DeadlineGuard.Tests.Support.FakeKube;
using static DeadlineGuard.Tests.Reconciler.ReconcilerHosts;

namespace DeadlineGuard.Tests.Reconciler;

/// <summary>
/// What the loop wrote when it acted on one Rollout: the status patch that aborts it (none when it only reports or
/// runs dry) and the Event it posted, as the fake API server recorded them.
/// </summary>
internal sealed record LoopAction(RecordedRequest? Patch, RecordedRequest Post)
{
    private static readonly JsonNode AbortPatch = JsonNode.Parse("""{"status":{"abort":true}}""")!;

    /// <summary>The Event as posted.</summary>
    public JsonObject Event => JsonNode.Parse(Post.Body)!.AsObject();

    public string EventAction => Event["action"]!.GetValue<string>();

    public string Note => Event["note"]!.GetValue<string>();

    /// <summary>The writes in the order the loop made them.</summary>
    public RecordedRequest[] Writes => Patch is { } patch ? [patch, Post] : [Post];

    /// <summary>The status patch is the one <c>kubectl argo rollouts abort</c> sends, to that Rollout's status subresource.</summary>
    public void ShouldHaveAborted(string ns, string name)
    {
        var patch = Patch.ShouldNotBeNull("the loop aborted nothing");
        patch.Path.ShouldBe(StatusPath(ns, name));
        patch.ContentType.ShouldNotBeNull().ShouldStartWith("application/merge-patch+json");
        JsonNode.DeepEquals(JsonNode.Parse(patch.Body), AbortPatch).ShouldBeTrue(patch.Body);
    }

    /// <summary>The Event is a Warning of <paramref name="reason"/> with <paramref name="action"/>, about that Rollout.</summary>
    public void ShouldBeEvent(string reason, string action, string name) =>
        Event.ShouldSatisfyAllConditions(
            e => e["type"]!.GetValue<string>().ShouldBe("Warning"),
            e => e["reason"]!.GetValue<string>().ShouldBe(reason),
            e => e["action"]!.GetValue<string>().ShouldBe(action),
            e => e["regarding"]!["name"]!.GetValue<string>().ShouldBe(name),
            e => e["metadata"]!["name"]!.GetValue<string>().ShouldStartWith(name + ".deadline-guard."));
}

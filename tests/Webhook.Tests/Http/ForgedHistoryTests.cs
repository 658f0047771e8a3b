using System.Text.Json.Nodes;
using DeadlineGuard.History;
using DeadlineGuard.Tests.Support;

namespace DeadlineGuard.Tests.Http;

/// <summary>
/// Issue "Hostile input and load", item 1: a history that is the webhook's own but for a later newest time must not
/// survive, or the reconciler's progress clock (the later of that time and the Progressing condition) never runs
/// out. The attack replayed over HTTP exactly as reported.
/// </summary>
public sealed class ForgedHistoryTests(DefaultPolicyWebhook webhook) : IClassFixture<DefaultPolicyWebhook>
{
    private const string Future = "2099-01-01T00:00:00Z";

    private readonly HttpClient _client = webhook.Client;

    private static string HistoryIn(ReviewAnswer answer) =>
        answer.Patch.Single(o => HistoryAnnotationCleaner.HistoryPaths.Contains(o!["path"]!.GetValue<string>()))!["value"] switch
        {
            JsonObject annotations => annotations[RevisionHistoryAnnotation.Key]!.GetValue<string>(),
            var value => value!.GetValue<string>(),
        };

    private static string WithNewestTime(string history, string at)
    {
        var entries = JsonNode.Parse(history)!.AsArray();
        entries[^1]!["at"] = at;
        return entries.ToJsonString();
    }

    private static JsonObject WithHistory(JsonObject rollout, string history)
    {
        var copy = rollout.DeepClone().AsObject();
        copy["metadata"]!["annotations"] = new JsonObject { [RevisionHistoryAnnotation.Key] = history };
        return copy;
    }

    private static DateTimeOffset NewestTime(string history)
    {
        RevisionHistoryAnnotation.TryParse(history, out var entries, out var error).ShouldBeTrue(error);
        return entries[^1].At;
    }

    [Fact]
    public async Task A_create_resent_with_its_newest_time_moved_to_2099_gets_the_history_recomputed_and_a_warning()
    {
        var rollout = Reviews.Rollout();
        var first = await _client.ReviewAsync("/mutate", Reviews.Review(rollout.DeepClone().AsObject()));
        var forged = WithNewestTime(HistoryIn(first), Future);

        var second = await _client.ReviewAsync("/mutate", Reviews.Review(WithHistory(rollout, forged)));

        var written = HistoryIn(second);
        NewestTime(written).ShouldBe(webhook.Factory.Clock.GetUtcNow());
        written.ShouldNotContain("2099");
        second.Warnings.ShouldContain($"{RevisionHistoryAnnotation.Key}: entry time {Future} is not the webhook's; history recomputed");
    }

    [Fact]
    public async Task An_update_that_starts_a_revision_with_a_forged_newest_time_gets_the_stored_history_back_with_the_true_time()
    {
        var stored = Reviews.Rollout();
        var created = await _client.ReviewAsync("/mutate", Reviews.Review(stored.DeepClone().AsObject()));
        stored = JsonPatchApplier.Apply(stored, created.Patch)!.AsObject();
        var changed = stored.DeepClone().AsObject();
        changed["spec"]!["template"]!["spec"]!["containers"]![0]!["image"] = "argoproj/rollouts-demo:green";
        var own = await _client.ReviewAsync("/mutate", Reviews.Review(changed.DeepClone().AsObject(), "UPDATE", stored.DeepClone().AsObject()));
        var forged = WithNewestTime(HistoryIn(own), Future);

        var answer = await _client.ReviewAsync("/mutate", Reviews.Review(WithHistory(changed, forged), "UPDATE", stored.DeepClone().AsObject()));

        var written = HistoryIn(answer);
        written.ShouldBe(HistoryIn(own), "the history the webhook writes for this update, from the stored one");
        answer.Warnings.ShouldContain($"{RevisionHistoryAnnotation.Key}: entry time {Future} is not the webhook's; history restored");
    }

    [Fact]
    public async Task The_webhooks_own_output_sent_back_on_reinvocation_is_kept_without_a_patch()
    {
        var rollout = Reviews.Rollout();
        var first = await _client.ReviewAsync("/mutate", Reviews.Review(rollout.DeepClone().AsObject()));
        var patched = JsonPatchApplier.Apply(rollout, first.Patch)!.AsObject();

        var again = await _client.ReviewAsync("/mutate", Reviews.Review(patched));

        again.HasPatch.ShouldBeFalse();
        again.Warnings.ShouldBeEmpty();
    }
}

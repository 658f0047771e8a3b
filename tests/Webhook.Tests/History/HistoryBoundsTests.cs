using System.Diagnostics;
using System.Text.Json.Nodes;
using DeadlineGuard.Admission;
using DeadlineGuard.History;
using DeadlineGuard.Policy;
using DeadlineGuard.Tests.Support;

namespace DeadlineGuard.Tests.History;

/// <summary>Issue "Hostile input and load", items 5 and 11: what a client can make the history count cannot overflow or take quadratic time.</summary>
public sealed class HistoryBoundsTests
{
    private static IReadOnlyList<RevisionEntry> History(JsonObject? rollout)
    {
        RevisionHistoryAnnotation.TryParse(RevisionRecorder.Annotation(rollout!)!, out var entries, out var error).ShouldBeTrue(error);
        return entries;
    }

    private static void SetImage(JsonObject rollout, string image) =>
        rollout["spec"]!["template"]!["spec"]!["containers"]![0]!["image"] = image;

    private static string StoredWithSeq(long seq) => RevisionHistoryAnnotation.Serialize(
    [
        new RevisionEntry(seq, new DateTimeOffset(2026, 11, 20, 0, 0, 0, TimeSpan.Zero), "bypass", "UPDATE", "template", "0123456789abcdef", ["nginx:0"], 600, true),
    ]);

    [Fact]
    public void Seq_continues_past_the_32_bit_range_and_the_next_write_still_reads_the_history()
    {
        var api = new ApiServer();
        api.Create(Reviews.Rollout(), "alice");
        api.WriteBehindTheWebhook(r => r["metadata"]!["annotations"]![RevisionHistoryAnnotation.Key] = StoredWithSeq(int.MaxValue));

        api.Update(r => SetImage(r, "nginx:2"), "bob").Allowed.ShouldBeTrue();
        api.Update(r => SetImage(r, "nginx:3"), "bob").Allowed.ShouldBeTrue();

        History(api.Stored).Select(e => e.Seq).ShouldBe([int.MaxValue, 2147483648L, 2147483649L]);
        api.LastMutation!.Warnings.ShouldBeEmpty();
    }

    [Fact]
    public void At_the_largest_seq_the_history_restarts_at_1_with_a_warning_and_goes_on_from_there()
    {
        var api = new ApiServer();
        api.Create(Reviews.Rollout(), "alice");
        api.WriteBehindTheWebhook(r => r["metadata"]!["annotations"]![RevisionHistoryAnnotation.Key] = StoredWithSeq(long.MaxValue));

        api.Update(r => SetImage(r, "nginx:2"), "bob").Allowed.ShouldBeTrue();
        api.LastMutation!.Warnings.ShouldBe([$"{RevisionHistoryAnnotation.Key} reached the largest seq; the history restarts at 1"]);
        api.Update(r => SetImage(r, "nginx:3"), "bob").Allowed.ShouldBeTrue();

        History(api.Stored).Select(e => (e.Seq, e.Images[0])).ShouldBe([(1L, "nginx:2"), (2L, "nginx:3")]);
    }

    [Fact]
    public void A_seq_beyond_64_bits_is_an_unreadable_history()
    {
        var api = new ApiServer();
        api.Create(Reviews.Rollout(), "alice");
        api.WriteBehindTheWebhook(r => r["metadata"]!["annotations"]![RevisionHistoryAnnotation.Key] =
            StoredWithSeq(1).Replace("\"seq\":1", "\"seq\":9223372036854775808", StringComparison.Ordinal));

        api.Update(r => SetImage(r, "nginx:2"), "bob");

        History(api.Stored).Single().Seq.ShouldBe(1);
        api.LastMutation!.Warnings.ShouldContain(w => w.Contains("was unreadable", StringComparison.Ordinal));
    }

    /// <summary>Counts what a set does with its strings: one hash per image and a comparison per collision is linear.</summary>
    private sealed class CountingComparer : IEqualityComparer<string>
    {
        public long Calls { get; private set; }

        public bool Equals(string? x, string? y)
        {
            Calls++;
            return string.Equals(x, y, StringComparison.Ordinal);
        }

        public int GetHashCode(string obj)
        {
            Calls++;
            return StringComparer.Ordinal.GetHashCode(obj);
        }
    }

    [Theory]
    [InlineData(1_000)]
    [InlineData(60_000)]
    public void De_duplicating_images_takes_a_number_of_comparisons_linear_in_the_images(int distinct)
    {
        // Every image twice, as a client could send them: the quadratic version compared each with all kept before it.
        var images = Enumerable.Range(0, distinct).Select(i => $"registry.example.com/app-{i}:1").ToList();
        var comparer = new CountingComparer();

        var kept = RevisionRecorder.ImagesWithinBudget([.. images, .. images], comparer);

        comparer.Calls.ShouldBeLessThanOrEqualTo(4L * 2 * distinct);
        kept[^1].ShouldBe($"+{distinct - (kept.Count - 1)} more");
        kept.Take(kept.Count - 1).ShouldBe(images.Take(kept.Count - 1));
    }

    [Fact]
    public void The_budget_summary_counts_each_image_once_and_keeps_the_first_ones_in_order()
    {
        var kept = RevisionRecorder.ImagesWithinBudget(["a:1", "b:1", "a:1", new string('c', 145), "d:1", "b:1"]);

        kept.ShouldBe(["a:1", "b:1", "+2 more"]);
    }

    [Fact]
    public void A_create_with_60000_distinct_images_is_answered_with_the_images_summarised()
    {
        var rollout = Reviews.Rollout();
        var containers = new JsonArray();
        for (var i = 0; i < 60_000; i++)
        {
            containers.Add(new JsonObject { ["name"] = $"c{i}", ["image"] = $"registry.example.com/team/app-{i}:1.0.{i}" });
        }

        rollout["spec"]!["template"]!["spec"]!["containers"] = containers;
        using var request = Reviews.Request(rollout);
        var decider = new AdmissionDecider();

        // The time is not asserted here (a busy machine makes any bound either flaky or meaningless): the comparison
        // count above proves the work linear; docs/benchmarks.md gives the time. This proves the answer itself.
        var decision = decider.Mutate(request, DeadlinePolicy.BuiltIn);

        var history = (string)decision.Patch.Single(o => o.Path.Contains("annotations", StringComparison.Ordinal)).Value![RevisionHistoryAnnotation.Key]!;
        RevisionHistoryAnnotation.TryParse(history, out var entries, out _).ShouldBeTrue();
        var images = entries.Single().Images;
        images[0].ShouldBe("registry.example.com/team/app-0:1.0.0");
        images[^1].ShouldBe($"+{60_000 - (images.Count - 1)} more");
    }
}

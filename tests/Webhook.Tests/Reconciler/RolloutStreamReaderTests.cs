using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using DeadlineGuard.Reconciler;

namespace DeadlineGuard.Tests.Reconciler;

/// <summary>List pages and watch streams are decoded as they arrive, whatever the chunking, without holding a page whole.</summary>
public sealed class RolloutStreamReaderTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);

    /// <summary>A list page around the items' bytes (kept as they are, valid UTF-8 or not).</summary>
    private static byte[] Page(IEnumerable<byte[]> items, string? continueToken, bool metadataFirst)
    {
        var metadata = continueToken is null
            ? """{"resourceVersion":"4711"}"""
            : $$"""{"continue":"{{continueToken}}","remainingItemCount":3,"resourceVersion":"4711"}""";
        var list = new List<byte>();
        foreach (var item in items)
        {
            list.AddRange(list.Count > 0 ? [(byte)',', .. item] : item);
        }

        var (head, tail) = metadataFirst
            ? ($$"""{"apiVersion":"argoproj.io/v1alpha1","kind":"RolloutList","metadata":{{metadata}},"items":[""", "]}")
            : ("""{"apiVersion":"argoproj.io/v1alpha1","items":[""", $$"""],"kind":"RolloutList","metadata":{{metadata}}}""");
        return [.. Encoding.UTF8.GetBytes(head), .. list, .. Encoding.UTF8.GetBytes(tail)];
    }

    private static async Task<RolloutListReader> ReadPageAsync(byte[] page, int chunk)
    {
        var reader = new RolloutListReader(Snapshots.Decoder());
        await reader.ReadAsync(new ChunkedStream(page, chunk), CancellationToken.None);
        return reader;
    }

    [Theory]
    [InlineData(1, true)]
    [InlineData(7, false)]
    [InlineData(4096, true)]
    [InlineData(1 << 20, false)]
    public async Task A_page_gives_the_same_snapshots_as_its_items_decoded_whole_however_it_is_chunked(int chunk, bool metadataFirst)
    {
        var items = Enumerable.Range(0, 12).Select(i => RealisticRollouts.Bytes(i, Now)).ToList();

        var reader = await ReadPageAsync(Page(items, "next-page", metadataFirst), chunk);

        reader.Items.Select(s => s.Key).ShouldBe(items.Select(i => Snapshots.From(i).Key));
        reader.Items.Select(s => (s.Fingerprint, s.Revision, s.Progressing, s.ResourceVersion))
            .ShouldBe(items.Select(i => Snapshots.From(i)).Select(s => (s.Fingerprint, s.Revision, s.Progressing, s.ResourceVersion)));
        reader.ResourceVersion.ShouldBe("4711");
        reader.Continue.ShouldBe("next-page");
        reader.Skipped.ShouldBe(0);
    }

    [Fact]
    public async Task The_last_page_has_no_continue_token()
    {
        var reader = await ReadPageAsync(Page([RealisticRollouts.Bytes(1, Now)], continueToken: null, metadataFirst: false), 100);

        reader.Continue.ShouldBeNull();
        reader.Items.ShouldHaveSingleItem();
    }

    [Fact]
    public async Task Items_that_are_not_rollouts_are_skipped_and_counted_and_the_others_read()
    {
        byte[][] items = [RealisticRollouts.Bytes(1, Now), "null"u8.ToArray(), "[1,2]"u8.ToArray(), "\"x\""u8.ToArray(), RealisticRollouts.Bytes(2, Now)];

        var reader = await ReadPageAsync(Page(items, null, metadataFirst: true), 3);

        reader.Items.Count.ShouldBe(2);
        reader.Skipped.ShouldBe(3);
        reader.FirstProblem.ShouldBe("item 1 is not an object");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(64 * 1024)]
    public async Task An_item_the_decoder_cannot_read_is_skipped_and_the_list_goes_on(int chunk)
    {
        // Invalid UTF-8 in a name: the reader passes it, the decoder cannot make a string of it.
        byte[] broken = [.. "{\"metadata\":{\"name\":\""u8, 0xFF, 0xFE, .. "\"}}"u8];

        var reader = await ReadPageAsync(Page([RealisticRollouts.Bytes(1, Now), broken, RealisticRollouts.Bytes(2, Now)], null, metadataFirst: false), chunk);

        reader.Items.Select(i => i.Name).ShouldBe(["api-00001", "api-00002"]);
        reader.Skipped.ShouldBe(1);
        reader.FirstProblem.ShouldStartWith("item 1 cannot be read: ");
        reader.ResourceVersion.ShouldBe("4711");
    }

    [Fact]
    public async Task A_page_far_larger_than_the_buffer_is_never_held_whole()
    {
        var items = Enumerable.Range(0, 2000).Select(i => RealisticRollouts.Bytes(i, Now)).ToList();
        var page = Page(items, null, metadataFirst: false);

        var reader = await ReadPageAsync(page, 16 * 1024);

        page.Length.ShouldBeGreaterThan(14 * 1024 * 1024);
        reader.Items.Count.ShouldBe(2000);
        reader.Bytes.ShouldBe(page.Length);
        reader.PeakBuffer.ShouldBeLessThanOrEqualTo(RolloutListReader.ReadSize, "what one read brings (a few items), not the page");
    }

    [Fact]
    public async Task An_item_larger_than_the_buffer_grows_it_and_is_read()
    {
        var big = RealisticRollouts.Create(3, Now);
        big["metadata"]!["annotations"]!["example.com/blob"] = new string('b', 900_000);

        var reader = await ReadPageAsync(Page([JsonSerializer.SerializeToUtf8Bytes(big), RealisticRollouts.Bytes(4, Now)], null, true), 64 * 1024);

        reader.Items.Count.ShouldBe(2);
        reader.PeakBuffer.ShouldBeGreaterThan(900_000);
    }

    [Theory]
    [InlineData("""{"items":[{"metadata":{"name":"a"}}""")]
    [InlineData("""{"items":[{"metadata":{"na""")]
    [InlineData("")]
    public async Task A_cut_off_list_is_an_error_not_a_short_list(string body)
    {
        await Should.ThrowAsync<InvalidDataException>(() => ReadPageAsync(Encoding.UTF8.GetBytes(body), 5));
    }

    [Fact]
    public async Task A_list_response_that_is_not_an_object_is_an_error()
    {
        var e = await Should.ThrowAsync<InvalidDataException>(() => ReadPageAsync("[]"u8.ToArray(), 5));

        e.Message.ShouldContain("not a JSON object");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(65536)]
    public async Task A_watch_stream_gives_each_event_as_it_is_complete(int chunk)
    {
        var added = JsonNode.Parse(RealisticRollouts.Bytes(1, Now))!;
        var modified = JsonNode.Parse(RealisticRollouts.Bytes(2, Now))!;
        var stream = string.Join(
            "\n",
            new JsonObject { ["type"] = "ADDED", ["object"] = added }.ToJsonString(),
            new JsonObject { ["object"] = modified, ["type"] = "MODIFIED" }.ToJsonString(), // object before type
            """{"type":"BOOKMARK","object":{"kind":"Rollout","apiVersion":"argoproj.io/v1alpha1","metadata":{"resourceVersion":"5000"}}}""",
            """{"type":"SOMETHING","object":{}}""",
            """{"type":"MODIFIED","object":[1]}""",
            new JsonObject { ["type"] = "DELETED", ["object"] = added.DeepClone() }.ToJsonString(),
            """ {"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","status":"Failure","message":"too old resource version: 1 (4000)","reason":"Expired","code":410}}""") + "\n\n";
        var events = new List<RolloutWatchEvent>();

        await new RolloutWatchReader(Snapshots.Decoder()).ReadAsync(
            new ChunkedStream(Encoding.UTF8.GetBytes(stream), chunk),
            e =>
            {
                events.Add(e);
                return ValueTask.CompletedTask;
            },
            CancellationToken.None);

        events.Select(e => e.Kind).ShouldBe([WatchEventKind.Added, WatchEventKind.Modified, WatchEventKind.Bookmark, WatchEventKind.Unreadable, WatchEventKind.Unreadable, WatchEventKind.Deleted, WatchEventKind.Error]);
        events[0].Rollout!.Name.ShouldBe("api-00001");
        events[0].ResourceVersion.ShouldBe("4000001");
        events[1].Rollout!.Name.ShouldBe("api-00002");
        events[2].ResourceVersion.ShouldBe("5000");
        events[3].Problem.ShouldBe("an event of unknown type \"SOMETHING\"");
        events[4].Problem.ShouldBe("a MODIFIED event without an object");
        events[5].Rollout!.Key.ShouldBe(events[0].Rollout!.Key);
        events[6].Error!.IsGone.ShouldBeTrue();
        events[6].Error!.Message.ShouldContain("too old resource version");
    }

    [Fact]
    public async Task A_watch_stream_cut_in_the_middle_of_an_event_is_an_error()
    {
        var stream = "{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"a\"}}}\n{\"type\":\"MODI"u8.ToArray();
        var events = new List<RolloutWatchEvent>();

        await Should.ThrowAsync<InvalidDataException>(() => new RolloutWatchReader(Snapshots.Decoder()).ReadAsync(
            new ChunkedStream(stream, 4),
            e =>
            {
                events.Add(e);
                return ValueTask.CompletedTask;
            },
            CancellationToken.None));
        events.ShouldHaveSingleItem().Rollout!.Name.ShouldBe("a");
    }
}

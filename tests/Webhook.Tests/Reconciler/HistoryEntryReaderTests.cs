using System.Text;
using CsCheck;
using DeadlineGuard.History;
using DeadlineGuard.Reconciler;
using Xunit.Abstractions;

namespace DeadlineGuard.Tests.Reconciler;

/// <summary>The reconciler's history reader accepts what the webhook's reader accepts, and finds the entry it would.</summary>
public sealed class HistoryEntryReaderTests(ITestOutputHelper output)
{
    private const string Valid = """{"seq":1,"at":"2026-11-27T10:00:00Z","by":"alice","op":"CREATE","trigger":"create","fingerprint":"aaaaaaaaaaaaaaaa","images":["a"],"deadlineSeconds":60,"abort":true}""";

    /// <summary>Pieces of entries, right and wrong, for the generator to combine.</summary>
    private static readonly string[] Fields =
    [
        "\"seq\":1", "\"seq\":2", "\"seq\":0", "\"seq\":\"1\"", "\"seq\":1.5",
        "\"at\":\"2026-11-27T10:00:00Z\"", "\"at\":\"2026-11-27 10:00:00\"", "\"at\":\"yesterday\"", "\"at\":5",
        "\"by\":\"alice\"", "\"by\":null", "\"op\":\"UPDATE\"", "\"op\":1", "\"trigger\":\"template\"", "\"trigger\":[]",
        "\"fingerprint\":\"aaaaaaaaaaaaaaaa\"", "\"fingerprint\":\"bbbbbbbbbbbbbbbb\"", "\"fingerprint\":\"\\u0061aaaaaaaaaaaaaaa\"", "\"fingerprint\":7",
        "\"images\":[]", "\"images\":[\"x\",\"y\"]", "\"images\":[1]", "\"images\":\"x\"",
        "\"deadlineSeconds\":60", "\"deadlineSeconds\":null", "\"deadlineSeconds\":\"60\"", "\"deadlineSeconds\":1e99",
        "\"abort\":true", "\"abort\":false", "\"abort\":\"true\"", "\"future\":{\"x\":[1]}",
    ];

    private static readonly Gen<string> Entry = Gen.Frequency(
        (4, Gen.Select(Gen.Int[1, 6], Gen.OneOf("aaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbb"), Gen.Int[0, 3], (seq, fingerprint, deadline) => Valid
            .Replace("\"seq\":1", $"\"seq\":{seq}", StringComparison.Ordinal)
            .Replace("aaaaaaaaaaaaaaaa", fingerprint, StringComparison.Ordinal)
            .Replace("\"deadlineSeconds\":60", $"\"deadlineSeconds\":{deadline * 60}", StringComparison.Ordinal))),
        (1, Gen.Const("null")),
        (6, Gen.OneOf(Fields).Array[6, 11].Select(fields => "{" + string.Join(",", fields) + "}")));

    private static readonly Gen<string> History = Gen.Frequency(
        (8, Entry.Array[0, 4].Select(entries => "[" + string.Join(",", entries) + "]")),
        (1, Gen.OneOf("", "{}", "[", "[]x", "[] ", "null", "\"[]\"", "[{}]", "[" + Valid + "," + Valid.Replace("\"seq\":1", "\"seq\":2", StringComparison.Ordinal) + "]")));

    [Theory]
    [InlineData("\"seq\":1", "\"seq\":1,\"seq\":1")]
    [InlineData("\"by\":\"alice\"", "\"by\":\"alice\",\"by\":\"bob\"")]
    [InlineData("\"fingerprint\":\"aaaaaaaaaaaaaaaa\"", "\"fingerprint\":\"bbbbbbbbbbbbbbbb\",\"fingerprint\":\"aaaaaaaaaaaaaaaa\"")]
    [InlineData("\"deadlineSeconds\":60", "\"deadlineSeconds\":60,\"deadlineSeconds\":null")]
    public void A_field_given_twice_makes_the_history_unreadable_as_the_webhooks_reader_does(string field, string twice)
    {
        var text = "[" + Valid.Replace(field, twice, StringComparison.Ordinal) + "]";
        RevisionHistoryAnnotation.TryParse(text, out _, out _).ShouldBeFalse(text);

        var state = HistoryEntryReader.Find(Encoding.UTF8.GetBytes(text), "aaaaaaaaaaaaaaaa"u8, out var found);

        state.ShouldBe(HistoryState.Unreadable, text);
        found.ShouldBeNull();
    }

    [Fact]
    public void It_agrees_with_the_webhooks_reader_on_any_history()
    {
        var outcomes = new int[2];
        History.Sample(
            text =>
            {
                var fingerprint = "aaaaaaaaaaaaaaaa";
                var state = HistoryEntryReader.Find(Encoding.UTF8.GetBytes(text), Encoding.UTF8.GetBytes(fingerprint), out var found);
                if (!RevisionHistoryAnnotation.TryParse(text, out var entries, out _))
                {
                    state.ShouldBe(HistoryState.Unreadable, text);
                    found.ShouldBeNull();
                    return;
                }

                var expected = entries.LastOrDefault(e => e.Fingerprint == fingerprint);
                outcomes[expected is null ? 0 : 1]++;
                state.ShouldBe(expected is null ? HistoryState.Unmatched : HistoryState.Matched, text);
                found.ShouldBe(expected is null ? null : new RecordedRevision(expected.Seq, expected.At, expected.DeadlineSeconds, expected.Abort), text);
            },
            iter: 5000,
            threads: 1,
            writeLine: output.WriteLine);

        outcomes[1].ShouldBeGreaterThan(100, "the generator makes readable histories with a current entry");
        outcomes[0].ShouldBeGreaterThan(100, "and readable ones without");
    }
}

using DeadlineGuard.Reconciler;
using Xunit.Abstractions;

namespace DeadlineGuard.Tests.Reconciler;

/// <summary>Runs alone: the memory it measures is the whole managed heap, which tests running beside it would disturb.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class HeapMeasurements
{
    public const string Name = "heap measurements";
}

/// <summary>What the reconciler keeps per Rollout follows what the judge needs, not the size of the object.</summary>
[Collection(HeapMeasurements.Name)]
public sealed class SnapshotMemoryTests(ITestOutputHelper output)
{
    private const int Count = 1000;

    /// <summary>
    /// Measured as the growth of the managed heap's live bytes (<see cref="GC.GetTotalMemory(bool)"/> with a full,
    /// compacting collection that waits for finalizers) between before the Rollouts exist and after their bytes have
    /// been dropped, with the cache kept alive: what is left is what the cache retains, and nothing transient. This test
    /// runs alone (its collection disables parallelization), so no other test's objects are counted; the decoder's
    /// per-thread scratch buffers are warmed first so that they are not counted either (they do not grow with the
    /// number of Rollouts). The cache is what the reconciler holds: a snapshot, its record and its map entry; the
    /// shared string pool's growth is counted too.
    /// </summary>
    [Fact]
    public void A_cached_rollout_keeps_under_one_kibibyte_of_its_eight()
    {
        var now = new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);
        var decoder = Snapshots.Decoder(keepSelector: false);
        decoder.Decode(RealisticRollouts.Bytes(Count + 1, now)); // warms the thread's scratch buffers
        var cache = new Dictionary<RolloutKey, RolloutRecord>(Count);

        var before = GC.GetTotalMemory(forceFullCollection: true);
        long inputBytes = 0;
        for (var i = 0; i < Count; i++)
        {
            var bytes = RealisticRollouts.Bytes(i, now);
            inputBytes += bytes.Length;
            var snapshot = decoder.Decode(bytes)!;
            cache[snapshot.Key] = new RolloutRecord(snapshot);
        }

        var after = GC.GetTotalMemory(forceFullCollection: true);
        GC.KeepAlive(cache);
        GC.KeepAlive(decoder);

        var perRollout = (after - before) / (double)Count;
        output.WriteLine($"{Count} Rollouts of {inputBytes / (double)Count:0} bytes each on average: {after - before} bytes retained, {perRollout:0} per Rollout; {decoder.Pool.Count} pooled strings");
        (inputBytes / (double)Count).ShouldBeGreaterThan(7 * 1024, "the Rollouts are realistic: about 8 KiB each");
        cache.Values.ShouldAllBe(r => r.Snapshot.History == HistoryState.Matched);
        perRollout.ShouldBeLessThan(1024);
    }
}

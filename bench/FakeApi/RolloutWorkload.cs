using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using DeadlineGuard.Tests.Support.FakeKube;

namespace DeadlineGuard.Bench.FakeApi;

/// <summary>
/// The benchmark's workload: N generated Rollouts, created in the shared fake API server (tests/FakeKube) before it
/// is announced ready, and what the benchmark reports about them. Two of the healthy ones are set aside to fall due
/// after the reconciler is ready: one already in the list, due by its timer (<see cref="ArmTimer"/>), and one that
/// a MODIFIED watch event makes due at once (<see cref="MakeDue"/>). Both are written as another actor (the Argo
/// controller) would write them, so the server gives them a new resourceVersion and tells the open watches.
/// </summary>
internal sealed class RolloutWorkload
{
    private const int Batch = 2_000;

    private readonly FakeOptions _options;
    private readonly int _timerIndex;
    private readonly int _watchIndex;
    private readonly int[] _sizes;

    private RolloutWorkload(FakeOptions options, Dictionary<Kind, int> counts, DateTimeOffset? earliestDue, DateTimeOffset generatedAt, int timerIndex, int watchIndex, int[] sizes)
    {
        _options = options;
        Counts = counts;
        EarliestDue = earliestDue;
        GeneratedAt = generatedAt;
        _timerIndex = timerIndex;
        _watchIndex = watchIndex;
        _sizes = sizes;
    }

    public int Count => _sizes.Length;

    public Dictionary<Kind, int> Counts { get; }

    /// <summary>The first moment any generated Rollout's deadline (with the reconciler's grace) falls due.</summary>
    public DateTimeOffset? EarliestDue { get; }

    public DateTimeOffset GeneratedAt { get; }

    /// <summary>When the Rollout set aside for the timer falls due (after <see cref="ArmTimer"/>).</summary>
    public (string Rollout, DateTimeOffset DueAt)? TimerDue { get; private set; }

    /// <summary>When the Rollout made due by a watch event fell due (after <see cref="MakeDue"/>).</summary>
    public (string Rollout, DateTimeOffset DueAt)? WatchDue { get; private set; }

    /// <summary>The generated Rollouts' size as serialized, before the server set its own metadata.</summary>
    public long TotalBytes => _sizes.Sum(s => (long)s);

    /// <summary>Generates the Rollouts (in parallel, a batch at a time, so no more than a batch of trees lives at once) and creates them in <paramref name="kube"/>.</summary>
    public static RolloutWorkload Generate(FakeKubeApiServer kube, FakeOptions options, DateTimeOffset now)
    {
        var count = options.Rollouts;
        var kinds = new Kind[count];
        var dues = new DateTimeOffset?[count];
        var sizes = new int[count];
        var batch = new JsonObject[Math.Min(Batch, count)];
        for (var start = 0; start < count; start += Batch)
        {
            var size = Math.Min(Batch, count - start);
            Parallel.For(0, size, i =>
            {
                var (rollout, kind, due) = RolloutFactory.Create(start + i, options.Seed, now, options.GraceSeconds, extraEnv: options.ExtraEnv);
                batch[i] = rollout;
                kinds[start + i] = kind;
                dues[start + i] = due;
                sizes[start + i] = JsonSerializer.SerializeToUtf8Bytes(rollout, RolloutFactory.WireOptions).Length;
            });
            for (var i = 0; i < size; i++)
            {
                kube.Seed(batch[i]);
                batch[i] = null!;
            }
        }

        var healthy = Enumerable.Range(0, count).Where(i => kinds[i] == Kind.Healthy).Take(2).ToArray();
        var counts = Enum.GetValues<Kind>().ToDictionary(k => k, k => kinds.Count(g => g == k));
        var due = dues.Where(d => d is not null).Select(d => d!.Value).ToList();
        return new RolloutWorkload(options, counts, due.Count == 0 ? null : due.Min(), now, healthy.ElementAtOrDefault(0), healthy.ElementAtOrDefault(1), sizes);
    }

    /// <summary>With --timer-due-seconds: the first healthy Rollout becomes one that falls due that long after <paramref name="listening"/>.</summary>
    public void ArmTimer(FakeKubeApiServer kube, DateTimeOffset listening)
    {
        if (_options.TimerDueSeconds <= 0 || Count < 2)
        {
            return;
        }

        // A whole second: Kubernetes times have no fraction, so the Rollout's recorded progress (and so its due time) has none.
        var dueAt = listening.AddSeconds(_options.TimerDueSeconds);
        dueAt = dueAt.AddTicks(TimeSpan.TicksPerSecond - (dueAt.UtcTicks % TimeSpan.TicksPerSecond));
        var (rollout, due) = Progressing(_timerIndex, dueAt);
        kube.Upsert(rollout);
        TimerDue = (Key(rollout), due);
    }

    /// <summary>
    /// The second healthy Rollout becomes one due now (a MODIFIED event on every open watch); the Rollout's key and
    /// due time. Its recorded progress is in whole seconds, so it is due a fraction of a second before now; now, when
    /// the event is sent, is the earliest the reconciler can know it, so the lateness is counted from then.
    /// </summary>
    public (string Rollout, DateTimeOffset DueAt) MakeDue(FakeKubeApiServer kube, DateTimeOffset now)
    {
        var (rollout, due) = Progressing(_watchIndex, now);
        kube.Upsert(rollout);
        WatchDue = (Key(rollout), due);
        return (Key(rollout), due);
    }

    /// <summary>Rollout <paramref name="index"/> made Progressing, with its last progress such that it falls due at <paramref name="dueAt"/>.</summary>
    private (JsonObject Rollout, DateTimeOffset DueAt) Progressing(int index, DateTimeOffset dueAt)
    {
        // The deadline is drawn by the generator; make it once to learn it, then again with the right progress time.
        var (probe, _, _) = RolloutFactory.Create(index, _options.Seed, GeneratedAt, _options.GraceSeconds, dueAt, _options.ExtraEnv);
        var deadline = probe["spec"]!["progressDeadlineSeconds"]!.GetValue<int>();
        var progressedAt = dueAt.AddSeconds(-(deadline + _options.GraceSeconds));
        var (rollout, _, due) = RolloutFactory.Create(index, _options.Seed, GeneratedAt, _options.GraceSeconds, progressedAt, _options.ExtraEnv);
        return (rollout, due!.Value);
    }

    private static string Key(JsonObject rollout) => $"{rollout["metadata"]!["namespace"]}/{rollout["metadata"]!["name"]}";

    public string Describe(TimeSpan took, string resourceVersion)
    {
        var sizes = _sizes.Order().ToList();
        var mix = string.Join(", ", Counts.Select(c => $"{c.Key} {c.Value}"));
        var due = EarliestDue is { } d ? $"{d:yyyy-MM-dd'T'HH:mm:ss'Z'} (in {(d - GeneratedAt).TotalSeconds:0} s)" : "none";
        return string.Create(
            CultureInfo.InvariantCulture,
            $"Generated {Count} Rollouts in {took.TotalMilliseconds:0} ms: {mix}; bytes min {(sizes.Count > 0 ? sizes[0] : 0)}, median {(sizes.Count > 0 ? sizes[sizes.Count / 2] : 0)}, mean {(sizes.Count > 0 ? sizes.Average() : 0):0}, max {(sizes.Count > 0 ? sizes[^1] : 0)}, total {TotalBytes / 1048576.0:0.0} MiB; list resourceVersion {resourceVersion}; earliest due {due}");
    }

    public string DescribeTimer() => TimerDue is { } t
        ? string.Create(CultureInfo.InvariantCulture, $"; {t.Rollout} falls due by its timer at {t.DueAt:HH:mm:ss.fff}")
        : string.Empty;
}

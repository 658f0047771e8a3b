using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DeadlineGuard.Bench.FakeApi;

/// <summary>
/// The generated Rollouts, serialized once, in the API server's list order (namespace/name). Two of the healthy ones
/// are set aside to fall due after the reconciler is ready: one already in the list, due by its timer
/// (<see cref="ArmTimer"/>), and one that a watch event makes due at once (<see cref="MakeDue"/>).
/// </summary>
internal sealed class RolloutStore
{
    private readonly Lock _gate = new();
    private readonly byte[][] _items;
    private readonly int[] _positionOf; // generation index -> list position
    private readonly FakeOptions _options;
    private readonly int _timerIndex;
    private readonly int _watchIndex;
    private long _resourceVersion;

    private RolloutStore(byte[][] items, int[] positionOf, FakeOptions options, Dictionary<Kind, int> counts, DateTimeOffset? earliestDue, DateTimeOffset generatedAt, int timerIndex, int watchIndex)
    {
        _items = items;
        _positionOf = positionOf;
        _options = options;
        Counts = counts;
        EarliestDue = earliestDue;
        GeneratedAt = generatedAt;
        _timerIndex = timerIndex;
        _watchIndex = watchIndex;
        _resourceVersion = 4_400_001;
    }

    public int Count => _items.Length;

    public Dictionary<Kind, int> Counts { get; }

    /// <summary>The first moment any generated Rollout's deadline (with the reconciler's grace) falls due.</summary>
    public DateTimeOffset? EarliestDue { get; }

    public DateTimeOffset GeneratedAt { get; }

    /// <summary>When the Rollout set aside for the timer falls due (after <see cref="ArmTimer"/>).</summary>
    public (string Rollout, DateTimeOffset DueAt)? TimerDue { get; private set; }

    /// <summary>When the Rollout made due by a watch event fell due (after <see cref="MakeDue"/>).</summary>
    public (string Rollout, DateTimeOffset DueAt)? WatchDue { get; private set; }

    public long TotalBytes => _items.Sum(i => (long)i.Length);

    public long ResourceVersion
    {
        get
        {
            lock (_gate)
            {
                return _resourceVersion;
            }
        }
    }

    public byte[] Item(int position) => _items[position];

    public static RolloutStore Generate(FakeOptions options, DateTimeOffset now)
    {
        var count = options.Rollouts;
        var generated = new (string Key, byte[] Bytes, Kind Kind, DateTimeOffset? Due)[count];
        Parallel.For(0, count, i =>
        {
            var (rollout, kind, due) = RolloutFactory.Create(i, options.Seed, now, options.GraceSeconds, extraEnv: options.ExtraEnv);
            var metadata = rollout["metadata"]!;
            generated[i] = ($"{metadata["namespace"]}/{metadata["name"]}", JsonSerializer.SerializeToUtf8Bytes(rollout, RolloutFactory.WireOptions), kind, due);
        });

        var order = Enumerable.Range(0, count).ToArray();
        Array.Sort(order, (a, b) => string.CompareOrdinal(generated[a].Key, generated[b].Key));
        var items = new byte[count][];
        var positionOf = new int[count];
        for (var position = 0; position < count; position++)
        {
            items[position] = generated[order[position]].Bytes;
            positionOf[order[position]] = position;
        }

        var healthy = Enumerable.Range(0, count).Where(i => generated[i].Kind == Kind.Healthy).Take(2).ToArray();
        var counts = Enum.GetValues<Kind>().ToDictionary(k => k, k => generated.Count(g => g.Kind == k));
        var dues = generated.Where(g => g.Due is not null).Select(g => g.Due!.Value).ToList();
        return new RolloutStore(items, positionOf, options, counts, dues.Count == 0 ? null : dues.Min(), now, healthy.ElementAtOrDefault(0), healthy.ElementAtOrDefault(1));
    }

    /// <summary>With --timer-due-seconds: the first healthy Rollout becomes one that falls due that long after <paramref name="listening"/>.</summary>
    public void ArmTimer(DateTimeOffset listening)
    {
        if (_options.TimerDueSeconds <= 0 || Count < 2)
        {
            return;
        }

        // A whole second: Kubernetes times have no fraction, so the Rollout's recorded progress (and so its due time) has none.
        var dueAt = listening.AddSeconds(_options.TimerDueSeconds);
        dueAt = dueAt.AddTicks(TimeSpan.TicksPerSecond - (dueAt.UtcTicks % TimeSpan.TicksPerSecond));
        var (rollout, due) = Progressing(_timerIndex, dueAt);
        lock (_gate)
        {
            _items[_positionOf[_timerIndex]] = JsonSerializer.SerializeToUtf8Bytes(rollout, RolloutFactory.WireOptions);
            TimerDue = (Key(rollout), due);
        }
    }

    /// <summary>
    /// The second healthy Rollout becomes one due now: its MODIFIED event line (to send to the watches), and the
    /// Rollout's key. Its recorded progress is in whole seconds, so it is due a fraction of a second before now; now,
    /// when the event is sent, is the earliest the reconciler can know it, so the lateness is counted from then.
    /// </summary>
    public (byte[] Line, string Rollout, DateTimeOffset DueAt) MakeDue(DateTimeOffset now)
    {
        var (rollout, due) = Progressing(_watchIndex, now);
        lock (_gate)
        {
            rollout["metadata"]!["resourceVersion"] = (++_resourceVersion).ToString(CultureInfo.InvariantCulture);
            var bytes = JsonSerializer.SerializeToUtf8Bytes(rollout, RolloutFactory.WireOptions);
            _items[_positionOf[_watchIndex]] = bytes;
            WatchDue = (Key(rollout), due);
            var line = Encoding.UTF8.GetBytes("{\"type\":\"MODIFIED\",\"object\":" + Encoding.UTF8.GetString(bytes) + "}\n");
            return (line, Key(rollout), due);
        }
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

    public string Describe(TimeSpan took)
    {
        var sizes = _items.Select(i => i.Length).Order().ToList();
        var mix = string.Join(", ", Counts.Select(c => $"{c.Key} {c.Value}"));
        var due = EarliestDue is { } d ? $"{d:yyyy-MM-dd'T'HH:mm:ss'Z'} (in {(d - GeneratedAt).TotalSeconds:0} s)" : "none";
        return string.Create(
            CultureInfo.InvariantCulture,
            $"Generated {Count} Rollouts in {took.TotalMilliseconds:0} ms: {mix}; bytes min {(sizes.Count > 0 ? sizes[0] : 0)}, median {(sizes.Count > 0 ? sizes[sizes.Count / 2] : 0)}, mean {(sizes.Count > 0 ? sizes.Average() : 0):0}, max {(sizes.Count > 0 ? sizes[^1] : 0)}, total {TotalBytes / 1048576.0:0.0} MiB; list resourceVersion {ResourceVersion}; earliest due {due}");
    }

    public string DescribeTimer() => TimerDue is { } t
        ? string.Create(CultureInfo.InvariantCulture, $"; {t.Rollout} falls due by its timer at {t.DueAt:HH:mm:ss.fff}")
        : string.Empty;
}

using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using DeadlineGuard.History;

namespace DeadlineGuard.Reconciler;

/// <summary>
/// Reads one Rollout's JSON (an item of a list page or the object of a watch event) with a forward-only
/// <see cref="Utf8JsonReader"/> into a <see cref="RolloutSnapshot"/>, skipping everything the reconciler does not
/// read (managedFields, other annotations, the template's body once fingerprinted) without keeping it.
/// <para>
/// Odd input never throws for a value of the wrong kind: it counts as absent, as <c>JsonValues</c> reads the
/// webhook's objects (a string generation is 0, a fractional deadline is none, <c>"true"</c> is not true). A key the
/// decoder reads that appears twice in one object (which no API server sends: it re-encodes every object) makes the
/// snapshot <see cref="RolloutSnapshot.Unreadable"/>, naming the key: the judge leaves that Rollout alone and says
/// why, rather than guessing which of the two values is meant. Keys it does not read are skipped, twice or not.
/// Malformed JSON is an exception for the caller (the informer skips that item and logs it).
/// </para>
/// </summary>
public sealed class RolloutDecoder
{
    /// <summary>Deeper than any Rollout; the reader's default (64) is lower than what a pod template can legally nest.</summary>
    public const int MaxDepth = 256;

    public const string RevisionAnnotation = "rollout.argoproj.io/revision";

    /// <summary>The pitfall detector's per-Rollout ignore annotation, which it reads beside the spec.</summary>
    private const string PitfallIgnoreAnnotation = DeadlineGuard.Pitfalls.PitfallDetector.IgnoreAnnotation;

    public static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = MaxDepth };

    private readonly byte[] _exemptionKey;
    private readonly ConcurrentDictionary<string, CanaryStep[]> _stepLists = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, CanaryStep[]>.AlternateLookup<ReadOnlySpan<char>> _stepLookup;

    [ThreadStatic]
    private static byte[]? t_history;

    [ThreadStatic]
    private static List<CanaryStep>? t_steps;

    public RolloutDecoder(StringPool pool, string exemptionKey, bool keepSelector, PitfallFinder? pitfalls = null)
    {
        Pool = pool;
        ExemptionKey = exemptionKey;
        KeepSelector = keepSelector;
        Pitfalls = pitfalls;
        _exemptionKey = Encoding.UTF8.GetBytes(exemptionKey);
        _stepLookup = _stepLists.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public StringPool Pool { get; }

    /// <summary>The policy's <c>exemptions.annotation</c> whose value snapshots keep.</summary>
    public string ExemptionKey { get; }

    /// <summary>Keep spec.selector.matchLabels (the repair lists ReplicaSets by it).</summary>
    public bool KeepSelector { get; }

    /// <summary>
    /// Looks for pitfalls in each object it decodes (its <see cref="RolloutSnapshot.Pitfalls"/>); null: not at all. Runs
    /// only where the object's bytes are at hand: <see cref="Decode(ReadOnlySpan{byte})"/> and
    /// <see cref="Decode(ref Utf8JsonReader, ReadOnlySpan{byte})"/>.
    /// </summary>
    public PitfallFinder? Pitfalls { get; }

    /// <summary>A decoder for another exemption annotation key, sharing this one's pools.</summary>
    public RolloutDecoder WithExemptionKey(string exemptionKey) => new(Pool, exemptionKey, KeepSelector, Pitfalls, _stepLists);

    private RolloutDecoder(StringPool pool, string exemptionKey, bool keepSelector, PitfallFinder? pitfalls, ConcurrentDictionary<string, CanaryStep[]> stepLists)
        : this(pool, exemptionKey, keepSelector, pitfalls)
    {
        _stepLists = stepLists;
        _stepLookup = stepLists.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>The snapshot of the Rollout in <paramref name="json"/> (one complete JSON value); null when it is not an object.</summary>
    /// <exception cref="JsonException">The text is not JSON.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public RolloutSnapshot? Decode(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, ReaderOptions);
        return reader.Read() && reader.TokenType == JsonTokenType.StartObject ? Decode(ref reader, json) : null;
    }

    /// <summary>
    /// The snapshot of the Rollout object whose StartObject the reader is on; the reader is left on its EndObject. The
    /// reader may hold part of a stream: when the object goes on beyond it, <see cref="IncompleteJsonException"/>.
    /// </summary>
    /// <exception cref="JsonException">The text is not JSON.</exception>
    /// <exception cref="IncompleteJsonException">The reader's bytes end inside the object.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public RolloutSnapshot Decode(ref Utf8JsonReader reader) => Decode(ref reader, default);

    /// <summary>
    /// As <see cref="Decode(ref Utf8JsonReader)"/>, where <paramref name="data"/> is the span the reader reads: the
    /// object's bytes are then at hand for <see cref="Pitfalls"/>, which looks at them once the object is read whole.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public RolloutSnapshot Decode(ref Utf8JsonReader reader, ReadOnlySpan<byte> data)
    {
        var start = (int)reader.TokenStartIndex;
        var b = new Builder();
        var seen = 0;
        while (Read(ref reader) && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (IsKey(ref reader, "metadata"u8, ref seen, 1, "metadata", ref b))
            {
                if (EnterObject(ref reader))
                {
                    ReadMetadata(ref reader, ref b);
                }
            }
            else if (IsKey(ref reader, "spec"u8, ref seen, 2, "spec", ref b))
            {
                if (EnterObject(ref reader))
                {
                    b.SpecStart = (int)reader.TokenStartIndex;
                    ReadSpec(ref reader, ref b);
                    b.SpecEnd = (int)reader.BytesConsumed;
                }
            }
            else if (IsKey(ref reader, "status"u8, ref seen, 4, "status", ref b))
            {
                if (EnterObject(ref reader))
                {
                    ReadStatus(ref reader, ref b);
                }
            }
            else
            {
                SkipValue(ref reader);
            }
        }

        if (Pitfalls is { } find && !data.IsEmpty)
        {
            b.Pitfalls = FindPitfalls(find, data, start, (int)reader.BytesConsumed, ref b);
        }

        return Build(ref b);
    }

    /// <summary>
    /// Runs the finder on the object and on the part of it the detector reads (its spec and its ignore-pitfalls
    /// annotation, as a small object of their own): a Rollout's metadata is most of its bytes (last-applied-configuration,
    /// managedFields, the history), and the detector never reads it.
    /// </summary>
    private static PitfallSet FindPitfalls(PitfallFinder find, ReadOnlySpan<byte> data, int start, int end, ref Builder b)
    {
        ReadOnlySpan<byte> specKey = "{\"spec\":"u8;
        ReadOnlySpan<byte> ignoreKey = "{\"metadata\":{\"annotations\":{\"deadline-guard.io/ignore-pitfalls\":"u8;
        var spec = b.SpecEnd > b.SpecStart ? data[b.SpecStart..b.SpecEnd] : "null"u8;
        var ignore = b.IgnoreEnd > b.IgnoreStart ? data[b.IgnoreStart..b.IgnoreEnd] : default;
        var buffer = ArrayPool<byte>.Shared.Rent(ignoreKey.Length + ignore.Length + specKey.Length + spec.Length + 8);
        try
        {
            var view = buffer.AsSpan();
            var at = 0;
            if (!ignore.IsEmpty)
            {
                ignoreKey.CopyTo(view);
                at += ignoreKey.Length;
                ignore.CopyTo(view[at..]);
                at += ignore.Length;
                "}},"u8.CopyTo(view[at..]);
                at += 3;
                specKey[1..].CopyTo(view[at..]);
                at += specKey.Length - 1;
            }
            else
            {
                specKey.CopyTo(view);
                at += specKey.Length;
            }

            spec.CopyTo(view[at..]);
            at += spec.Length;
            view[at++] = (byte)'}';
            return find(data[start..end], view[..at]);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private RolloutSnapshot Build(ref Builder b)
    {
        var fingerprint = b.WorkloadRef is { } workloadRef
            ? TemplateFingerprint.OfWorkload(workloadRef, b.WorkloadGeneration)
            : b.TemplateFingerprint ?? TemplateFingerprint.OfNull;
        var history = HistoryState.None;
        RecordedRevision? revision = null;
        if (b.HistoryLength >= 0)
        {
            Span<byte> hex = stackalloc byte[16];
            Encoding.UTF8.GetBytes(TemplateFingerprint.Format(fingerprint), hex);
            history = b.HistoryLength == int.MaxValue
                ? HistoryState.Unreadable // not a string
                : HistoryEntryReader.Find(t_history.AsSpan(0, b.HistoryLength), hex, out revision);
        }

        return new RolloutSnapshot
        {
            Namespace = b.Namespace ?? string.Empty,
            Name = b.Name ?? string.Empty,
            Uid = b.Uid ?? string.Empty,
            Generation = b.Generation,
            CreationTimestamp = b.Created,
            ResourceVersion = b.ResourceVersion ?? string.Empty,
            ArgoRevision = b.ArgoRevision,
            ExemptionKey = ExemptionKey,
            ExemptionValue = b.ExemptionValue,
            History = history,
            Revision = revision,
            Fingerprint = fingerprint,
            SpecDeadlineSeconds = b.DeadlineSeconds,
            SpecAbort = b.Abort,
            SpecPaused = b.Paused,
            Strategy = b.Canary ? RolloutStrategy.Canary : b.BlueGreen ? RolloutStrategy.BlueGreen : RolloutStrategy.None,
            AutoPromotionSeconds = b.BlueGreen && !b.Canary ? b.AutoPromotionSeconds : null,
            AutoPromotionEnabled = b.BlueGreen && !b.Canary ? b.AutoPromotionEnabled : null,
            CanarySteps = b.Canary && b.Steps is { } steps ? steps : [],
            TrafficRouting = b.Canary && b.TrafficRouting,
            Selector = b.Selector,
            StatusAbort = b.StatusAbort,
            Phase = b.Phase,
            ObservedGeneration = b.ObservedGeneration,
            CurrentStepIndex = b.CurrentStepIndex,
            CurrentPodHash = b.CurrentPodHash,
            StableRs = b.StableRs == b.CurrentPodHash ? b.CurrentPodHash : b.StableRs, // one string when they are the same
            Progressing = b.Progressing,
            Paused = b.PausedCondition,
            PauseConditions = b.PauseConditions ?? [],
            WrongTyped = b.WrongTyped,
            Unreadable = b.Duplicate is { } key ? $"the key \"{key}\" appears twice" : null,
            MinReadySeconds = b.MinReadySeconds,
            SpecDeadlineFound = b.DeadlineFound,
            SpecAbortFound = b.AbortFound,
            Pitfalls = b.Pitfalls,
        };
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ReadMetadata(ref Utf8JsonReader reader, ref Builder b)
    {
        var seen = 0;
        while (Read(ref reader) && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (IsKey(ref reader, "name"u8, ref seen, 1, "metadata.name", ref b))
            {
                b.Name = ReadString(ref reader);
            }
            else if (IsKey(ref reader, "namespace"u8, ref seen, 2, "metadata.namespace", ref b))
            {
                b.Namespace = ReadPooled(ref reader);
            }
            else if (IsKey(ref reader, "uid"u8, ref seen, 4, "metadata.uid", ref b))
            {
                b.Uid = ReadString(ref reader);
            }
            else if (IsKey(ref reader, "generation"u8, ref seen, 8, "metadata.generation", ref b))
            {
                Read(ref reader);
                b.Generation = TryGetWhole(ref reader, out var generation) && generation is >= long.MinValue and <= long.MaxValue ? (long)generation : 0;
                Skip(ref reader);
            }
            else if (IsKey(ref reader, "creationTimestamp"u8, ref seen, 16, "metadata.creationTimestamp", ref b))
            {
                b.Created = ReadTime(ref reader);
            }
            else if (IsKey(ref reader, "resourceVersion"u8, ref seen, 32, "metadata.resourceVersion", ref b))
            {
                b.ResourceVersion = ReadString(ref reader);
            }
            else if (IsKey(ref reader, "annotations"u8, ref seen, 64, "metadata.annotations", ref b))
            {
                if (EnterObject(ref reader))
                {
                    ReadAnnotations(ref reader, ref b);
                }
            }
            else
            {
                SkipValue(ref reader); // managedFields, labels, last-applied-configuration...: not kept
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ReadAnnotations(ref Utf8JsonReader reader, ref Builder b)
    {
        var seen = 0;
        while (Read(ref reader) && reader.TokenType == JsonTokenType.PropertyName)
        {
            // The policy may name any key, even one of the others, as its exemption annotation: both are read then.
            var exemption = reader.ValueTextEquals(_exemptionKey);
            var ignorePitfalls = Pitfalls is not null && reader.ValueTextEquals(PitfallIgnoreAnnotation);
            var field = reader.ValueTextEquals(RevisionHistoryAnnotation.Key) ? Annotation.History
                : reader.ValueTextEquals(RevisionAnnotation) ? Annotation.Revision
                : reader.ValueTextEquals(RevisionDetector.WorkloadGenerationAnnotation) ? Annotation.WorkloadGeneration
                : Annotation.Other;
            if (exemption)
            {
                Once(ref seen, 1, "metadata.annotations." + ExemptionKey, ref b);
            }

            if (field != Annotation.Other)
            {
                Once(ref seen, 1 << (int)field, "metadata.annotations." + field switch
                {
                    Annotation.History => RevisionHistoryAnnotation.Key,
                    Annotation.Revision => RevisionAnnotation,
                    _ => RevisionDetector.WorkloadGenerationAnnotation,
                }, ref b);
            }

            Read(ref reader);
            var text = reader.TokenType == JsonTokenType.String;
            if (ignorePitfalls)
            {
                b.IgnoreStart = (int)reader.TokenStartIndex;
            }

            if (exemption)
            {
                b.ExemptionValue = text ? reader.GetString() : null;
            }

            switch (field)
            {
                case Annotation.History when text:
                    ReadHistory(ref reader, ref b);
                    break;
                case Annotation.History:
                    b.HistoryLength = int.MaxValue; // annotation values are strings; anything else is no history
                    break;
                case Annotation.Revision:
                    b.ArgoRevision = text ? ParseRevision(ref reader) : null;
                    break;
                case Annotation.WorkloadGeneration:
                    b.WorkloadGeneration = text ? reader.GetString() : null;
                    break;
            }

            Skip(ref reader);
            if (ignorePitfalls)
            {
                b.IgnoreEnd = (int)reader.BytesConsumed;
            }
        }
    }

    private enum Annotation
    {
        Other,
        History,
        Revision,
        WorkloadGeneration,
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ReadHistory(ref Utf8JsonReader reader, ref Builder b)
    {
        var needed = reader.ValueSpan.Length;
        if (t_history is null || t_history.Length < needed)
        {
            t_history = new byte[Math.Max(needed, 16 * 1024)];
        }

        b.HistoryLength = reader.CopyString(t_history);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ReadSpec(ref Utf8JsonReader reader, ref Builder b)
    {
        var seen = 0;
        while (Read(ref reader) && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (IsKey(ref reader, "progressDeadlineSeconds"u8, ref seen, 1, "spec.progressDeadlineSeconds", ref b))
            {
                Read(ref reader);
                b.DeadlineSeconds = TryGetInt32(ref reader);
                b.DeadlineFound = b.DeadlineSeconds is null ? Describe(ref reader) : null;
                Skip(ref reader);
            }
            else if (IsKey(ref reader, "progressDeadlineAbort"u8, ref seen, 2, "spec.progressDeadlineAbort", ref b))
            {
                b.Abort = Next(ref reader) == JsonTokenType.True;
                b.AbortFound = b.Abort ? null : Describe(ref reader);
                Skip(ref reader);
            }
            else if (IsKey(ref reader, "paused"u8, ref seen, 4, "spec.paused", ref b))
            {
                b.Paused = Next(ref reader) == JsonTokenType.True;
                Skip(ref reader);
            }
            else if (IsKey(ref reader, "strategy"u8, ref seen, 8, "spec.strategy", ref b))
            {
                if (EnterObject(ref reader))
                {
                    ReadStrategy(ref reader, ref b);
                }
            }
            else if (IsKey(ref reader, "template"u8, ref seen, 16, "spec.template", ref b))
            {
                Read(ref reader);
                b.TemplateFingerprint = TemplateFingerprint.Of(ref reader, out var duplicate);
                if (duplicate is not null)
                {
                    b.Duplicate ??= "spec.template…" + duplicate;
                }
            }
            else if (IsKey(ref reader, "workloadRef"u8, ref seen, 32, "spec.workloadRef", ref b))
            {
                if (Next(ref reader) == JsonTokenType.Null)
                {
                    b.WorkloadRef = null; // RevisionDetector reads a null workloadRef as none
                }
                else
                {
                    b.WorkloadRef = TemplateFingerprint.CanonicalBytes(ref reader, out var duplicate);
                    if (duplicate is not null)
                    {
                        b.Duplicate ??= "spec.workloadRef…" + duplicate;
                    }
                }
            }
            else if (IsKey(ref reader, "minReadySeconds"u8, ref seen, 128, "spec.minReadySeconds", ref b))
            {
                Read(ref reader);
                b.MinReadySeconds = TryGetInt32(ref reader);
                Skip(ref reader);
            }
            else if (KeepSelector && IsKey(ref reader, "selector"u8, ref seen, 64, "spec.selector", ref b))
            {
                if (EnterObject(ref reader))
                {
                    ReadSelector(ref reader, ref b);
                }
            }
            else
            {
                SkipValue(ref reader);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ReadStrategy(ref Utf8JsonReader reader, ref Builder b)
    {
        var seen = 0;
        while (Read(ref reader) && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (IsKey(ref reader, "canary"u8, ref seen, 1, "spec.strategy.canary", ref b))
            {
                if (EnterObject(ref reader))
                {
                    b.Canary = true;
                    ReadCanary(ref reader, ref b);
                }
            }
            else if (IsKey(ref reader, "blueGreen"u8, ref seen, 2, "spec.strategy.blueGreen", ref b))
            {
                if (EnterObject(ref reader))
                {
                    b.BlueGreen = true;
                    ReadBlueGreen(ref reader, ref b);
                }
            }
            else
            {
                SkipValue(ref reader);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ReadBlueGreen(ref Utf8JsonReader reader, ref Builder b)
    {
        var seen = 0;
        while (Read(ref reader) && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (IsKey(ref reader, "autoPromotionSeconds"u8, ref seen, 1, "spec.strategy.blueGreen.autoPromotionSeconds", ref b))
            {
                Read(ref reader);
                b.AutoPromotionSeconds = TryGetInt32(ref reader);
                b.WrongTyped = Flag(b.WrongTyped, WrongTypedFields.AutoPromotionSeconds, b.AutoPromotionSeconds is null && reader.TokenType != JsonTokenType.Null);
            }
            else if (IsKey(ref reader, "autoPromotionEnabled"u8, ref seen, 2, "spec.strategy.blueGreen.autoPromotionEnabled", ref b))
            {
                b.AutoPromotionEnabled = Next(ref reader) switch
                {
                    JsonTokenType.True => true,
                    JsonTokenType.False => false,
                    _ => null,
                };
                b.WrongTyped = Flag(b.WrongTyped, WrongTypedFields.AutoPromotionEnabled, b.AutoPromotionEnabled is null && reader.TokenType != JsonTokenType.Null);
            }
            else
            {
                Read(ref reader);
            }

            Skip(ref reader);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ReadCanary(ref Utf8JsonReader reader, ref Builder b)
    {
        var seen = 0;
        while (Read(ref reader) && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (IsKey(ref reader, "steps"u8, ref seen, 1, "spec.strategy.canary.steps", ref b))
            {
                if (Next(ref reader) == JsonTokenType.StartArray)
                {
                    b.Steps = ReadSteps(ref reader);
                }
                else
                {
                    b.Steps = null;
                    Skip(ref reader);
                }
            }
            else if (IsKey(ref reader, "trafficRouting"u8, ref seen, 2, "spec.strategy.canary.trafficRouting", ref b))
            {
                b.TrafficRouting = Next(ref reader) != JsonTokenType.Null;
                Skip(ref reader);
            }
            else
            {
                SkipValue(ref reader);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private CanaryStep[] ReadSteps(ref Utf8JsonReader reader)
    {
        var steps = t_steps ??= [];
        steps.Clear();
        while (Read(ref reader) && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                Skip(ref reader);
                steps.Add(new CanaryStep("unknown"));
                continue;
            }

            // The step's kind is its first field, as Argo's step struct has exactly one set.
            if (!Read(ref reader) || reader.TokenType != JsonTokenType.PropertyName)
            {
                steps.Add(new CanaryStep("unknown"));
                continue; // {} : the reader is on its end
            }

            var kind = Pool.Get(ref reader);
            var hasDuration = false;
            Read(ref reader);
            if (kind == "pause" && reader.TokenType == JsonTokenType.StartObject)
            {
                while (Read(ref reader) && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var isDuration = reader.ValueTextEquals("duration"u8);
                    Read(ref reader);
                    hasDuration |= isDuration && reader.TokenType != JsonTokenType.Null;
                    Skip(ref reader);
                }
            }
            else
            {
                Skip(ref reader);
            }

            while (Read(ref reader) && reader.TokenType == JsonTokenType.PropertyName)
            {
                SkipValue(ref reader);
            }

            steps.Add(new CanaryStep(kind, hasDuration));
        }

        return Shared(steps);
    }

    // Most canaries of a fleet have one of a few step lists: one array per distinct list, found without allocating.
    private CanaryStep[] Shared(List<CanaryStep> steps)
    {
        if (steps.Count == 0)
        {
            return [];
        }

        var length = steps.Sum(s => s.Kind.Length + 3);
        var buffer = ArrayPool<char>.Shared.Rent(length);
        try
        {
            var signature = buffer.AsSpan(0, length);
            var at = 0;
            foreach (var step in steps)
            {
                step.Kind.CopyTo(signature[at..]);
                at += step.Kind.Length;
                (step.HasDuration ? ":d," : ",").CopyTo(signature[at..]);
                at += step.HasDuration ? 3 : 1;
            }

            signature = signature[..at];
            if (_stepLookup.TryGetValue(signature, out var shared))
            {
                return shared;
            }

            var array = steps.ToArray();
            return _stepLists.Count < Pool.Capacity ? _stepLists.GetOrAdd(new string(signature), array) : array;
        }
        finally
        {
            ArrayPool<char>.Shared.Return(buffer);
        }
    }

    private static void ReadSelector(ref Utf8JsonReader reader, ref Builder b)
    {
        while (Read(ref reader) && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (!reader.ValueTextEquals("matchLabels"u8))
            {
                SkipValue(ref reader);
                continue;
            }

            if (Next(ref reader) != JsonTokenType.StartObject)
            {
                Skip(ref reader);
                continue;
            }

            var selector = new StringBuilder();
            while (Read(ref reader) && reader.TokenType == JsonTokenType.PropertyName)
            {
                selector.Append(selector.Length > 0 ? "," : string.Empty).Append(reader.GetString()).Append('=');
                if (Next(ref reader) == JsonTokenType.String)
                {
                    selector.Append(reader.GetString());
                }

                Skip(ref reader);
            }

            b.Selector = selector.Length > 0 ? selector.ToString() : null;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ReadStatus(ref Utf8JsonReader reader, ref Builder b)
    {
        var seen = 0;
        while (Read(ref reader) && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (IsKey(ref reader, "abort"u8, ref seen, 1, "status.abort", ref b))
            {
                b.StatusAbort = Next(ref reader) == JsonTokenType.True;
                Skip(ref reader);
            }
            else if (IsKey(ref reader, "phase"u8, ref seen, 2, "status.phase", ref b))
            {
                b.Phase = ReadPooled(ref reader);
            }
            else if (IsKey(ref reader, "observedGeneration"u8, ref seen, 4, "status.observedGeneration", ref b))
            {
                b.ObservedGeneration = Next(ref reader) switch
                {
                    JsonTokenType.String => Pool.Get(ref reader),
                    JsonTokenType.Number => Pool.Get(Encoding.UTF8.GetString(reader.ValueSpan)),
                    JsonTokenType.True => "true",
                    JsonTokenType.False => "false",
                    _ => Absent(ref reader),
                };
            }
            else if (IsKey(ref reader, "currentStepIndex"u8, ref seen, 8, "status.currentStepIndex", ref b))
            {
                Read(ref reader);
                b.CurrentStepIndex = TryGetInt32(ref reader);
                b.WrongTyped = Flag(b.WrongTyped, WrongTypedFields.CurrentStepIndex, b.CurrentStepIndex is null && reader.TokenType != JsonTokenType.Null);
                Skip(ref reader);
            }
            else if (IsKey(ref reader, "currentPodHash"u8, ref seen, 16, "status.currentPodHash", ref b))
            {
                b.CurrentPodHash = ReadString(ref reader);
            }
            else if (IsKey(ref reader, "stableRS"u8, ref seen, 32, "status.stableRS", ref b))
            {
                b.StableRs = ReadString(ref reader);
            }
            else if (IsKey(ref reader, "pauseConditions"u8, ref seen, 64, "status.pauseConditions", ref b))
            {
                if (Next(ref reader) == JsonTokenType.StartArray)
                {
                    ReadPauseConditions(ref reader, ref b);
                }
                else
                {
                    b.PauseConditions = null;
                    b.WrongTyped = Flag(b.WrongTyped, WrongTypedFields.PauseConditions, reader.TokenType != JsonTokenType.Null);
                    Skip(ref reader);
                }
            }
            else if (IsKey(ref reader, "conditions"u8, ref seen, 128, "status.conditions", ref b))
            {
                b.Progressing = null;
                b.PausedCondition = null;
                if (Next(ref reader) == JsonTokenType.StartArray)
                {
                    ReadConditions(ref reader, ref b);
                }
                else
                {
                    Skip(ref reader);
                }
            }
            else
            {
                SkipValue(ref reader);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ReadPauseConditions(ref Utf8JsonReader reader, ref Builder b)
    {
        var conditions = new List<PauseCondition>();
        while (Read(ref reader) && reader.TokenType != JsonTokenType.EndArray)
        {
            string? reason = null;
            DateTimeOffset? start = null;
            var startType = JsonTokenType.None; // None: no startTime key
            if (reader.TokenType == JsonTokenType.StartObject)
            {
                var seen = 0;
                while (Read(ref reader) && reader.TokenType == JsonTokenType.PropertyName)
                {
                    if (IsKey(ref reader, "reason"u8, ref seen, 1, "status.pauseConditions[].reason", ref b))
                    {
                        reason = ReadPooled(ref reader);
                    }
                    else if (IsKey(ref reader, "startTime"u8, ref seen, 2, "status.pauseConditions[].startTime", ref b))
                    {
                        startType = Next(ref reader);
                        start = startType == JsonTokenType.String ? HistoryEntryReader.ParseTime(ref reader) : AbsentTime(ref reader);
                    }
                    else
                    {
                        SkipValue(ref reader);
                    }
                }
            }
            else
            {
                Skip(ref reader); // counted all the same: any entry means paused
                startType = JsonTokenType.StartArray; // not an object: the wrong type
            }

            PauseInputProblem? problem = reason is null || startType is not (JsonTokenType.None or JsonTokenType.Null or JsonTokenType.String) ? PauseInputProblem.WrongType
                : start is not null ? null
                : startType == JsonTokenType.String ? PauseInputProblem.UnparseableStartTime
                : PauseInputProblem.MissingStartTime;
            conditions.Add(new PauseCondition(reason ?? string.Empty, start, problem));
        }

        b.PauseConditions = [.. conditions];
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ReadConditions(ref Utf8JsonReader reader, ref Builder b)
    {
        while (Read(ref reader) && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                Skip(ref reader);
                continue;
            }

            string type = string.Empty, status = string.Empty, reason = string.Empty;
            DateTimeOffset? updated = null;
            var seen = 0;
            while (Read(ref reader) && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (IsKey(ref reader, "type"u8, ref seen, 1, "status.conditions[].type", ref b))
                {
                    type = ReadPooled(ref reader) ?? string.Empty;
                }
                else if (IsKey(ref reader, "status"u8, ref seen, 2, "status.conditions[].status", ref b))
                {
                    status = ReadPooled(ref reader) ?? string.Empty;
                }
                else if (IsKey(ref reader, "reason"u8, ref seen, 4, "status.conditions[].reason", ref b))
                {
                    reason = ReadPooled(ref reader) ?? string.Empty;
                }
                else if (IsKey(ref reader, "lastUpdateTime"u8, ref seen, 8, "status.conditions[].lastUpdateTime", ref b))
                {
                    updated = ReadTime(ref reader);
                }
                else
                {
                    SkipValue(ref reader); // message, lastTransitionTime
                }
            }

            // The first condition of each type counts, as the controller keeps one per type.
            if (type == "Progressing" && b.Progressing is null)
            {
                b.Progressing = new RolloutCondition(status, reason, updated);
            }
            else if (type == "Paused" && b.PausedCondition is null)
            {
                b.PausedCondition = new RolloutCondition(status, reason, updated);
            }
        }
    }

    /// <summary>
    /// The current value as the webhook describes a field's value in its messages (JsonValues.Describe): its JSON text,
    /// clipped to 40 characters, "(a string)" after a string, "a mapping" or "a list" for the containers. Rare: only a
    /// deadline that is not a whole number, or an abort that is not true, gets here.
    /// </summary>
    private static string Describe(ref Utf8JsonReader reader)
    {
        const int MaxLength = 40;
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                return "a mapping";
            case JsonTokenType.StartArray:
                return "a list";
            case JsonTokenType.Null:
                return "null";
            case JsonTokenType.True:
                return "true";
            case JsonTokenType.False:
                return "false";
        }

        var text = reader.TokenType == JsonTokenType.String
            ? JsonSerializer.Serialize(reader.GetString())
            : Encoding.UTF8.GetString(reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan);
        if (text.Length > MaxLength)
        {
            text = string.Concat(text.AsSpan(0, MaxLength), "…");
        }

        return reader.TokenType == JsonTokenType.String ? $"{text} (a string)" : text;
    }

    private static JsonTokenType Next(ref Utf8JsonReader reader)
    {
        Read(ref reader);
        return reader.TokenType;
    }

    /// <summary>Moves to the property's value: true when it is an object (the reader on its start), else skips it (absent).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool EnterObject(ref Utf8JsonReader reader)
    {
        if (Next(ref reader) == JsonTokenType.StartObject)
        {
            return true;
        }

        Skip(ref reader);
        return false;
    }

    /// <summary>The property's value when it is a string; anything else is skipped and absent.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static string? ReadString(ref Utf8JsonReader reader) =>
        Next(ref reader) == JsonTokenType.String ? reader.GetString() : Absent(ref reader);

    /// <summary>As <see cref="ReadString"/>, for a text many Rollouts repeat: one shared string from <see cref="Pool"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private string? ReadPooled(ref Utf8JsonReader reader) =>
        Next(ref reader) == JsonTokenType.String ? Pool.Get(ref reader) : Absent(ref reader);

    /// <summary>The property's value when it is a string that is a time (<see cref="HistoryEntryReader.ParseTime(ref Utf8JsonReader)"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static DateTimeOffset? ReadTime(ref Utf8JsonReader reader) =>
        Next(ref reader) == JsonTokenType.String ? HistoryEntryReader.ParseTime(ref reader) : AbsentTime(ref reader);

    /// <summary>Skips the value of the property the reader is on.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void SkipValue(ref Utf8JsonReader reader)
    {
        Read(ref reader);
        Skip(ref reader);
    }

    /// <summary>The next token; over part of a stream, <see cref="IncompleteJsonException"/> when it has not arrived yet.</summary>
    private static bool Read(ref Utf8JsonReader reader) => reader.Read() ? true : throw IncompleteJsonException.Instance;

    /// <summary>Skips the current value (the value of a property name); see <see cref="Read"/>.</summary>
    private static void Skip(ref Utf8JsonReader reader)
    {
        if (!reader.TrySkip())
        {
            throw IncompleteJsonException.Instance;
        }
    }

    /// <summary>Skips a value of the wrong kind (it counts as absent).</summary>
    private static string? Absent(ref Utf8JsonReader reader)
    {
        Skip(ref reader);
        return null;
    }

    private static DateTimeOffset? AbsentTime(ref Utf8JsonReader reader)
    {
        Skip(ref reader);
        return null;
    }

    private static WrongTypedFields Flag(WrongTypedFields fields, WrongTypedFields field, bool wrong) => wrong ? fields | field : fields;

    /// <summary>
    /// Whether the property the reader is on is <paramref name="key"/>; when it is, it is marked in
    /// <paramref name="seen"/> (<see cref="Once"/>: a second time makes the snapshot unreadable, naming <paramref name="path"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsKey(ref Utf8JsonReader reader, ReadOnlySpan<byte> key, ref int seen, int bit, string path, ref Builder b)
    {
        if (!reader.ValueTextEquals(key))
        {
            return false;
        }

        Once(ref seen, bit, path, ref b);
        return true;
    }

    private static void Once(ref int seen, int bit, string key, ref Builder b)
    {
        if ((seen & bit) != 0)
        {
            b.Duplicate ??= key;
        }

        seen |= bit;
    }

    /// <summary>Argo's revision annotation: digits only, as <c>int.TryParse(text, NumberStyles.None)</c> reads it.</summary>
    private static int? ParseRevision(ref Utf8JsonReader reader)
    {
        if (reader.ValueSpan.Length > 32)
        {
            return null;
        }

        Span<char> chars = stackalloc char[32];
        var length = reader.CopyString(chars);
        return int.TryParse(chars[..length], NumberStyles.None, CultureInfo.InvariantCulture, out var revision) ? revision : null;
    }

    private static int? TryGetInt32(ref Utf8JsonReader reader) =>
        TryGetWhole(ref reader, out var whole) && whole is >= int.MinValue and <= int.MaxValue ? (int)whole : null;

    /// <summary>As JsonValues.TryGetWhole: a number that is whole (60 or 60.0, not 6.5 or 1e99).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool TryGetWhole(ref Utf8JsonReader reader, out decimal whole)
    {
        whole = 0;
        if (reader.TokenType != JsonTokenType.Number)
        {
            return false;
        }

        if (reader.TryGetInt32(out var small))
        {
            whole = small;
            return true;
        }

        if (!reader.TryGetDecimal(out whole)
            && !decimal.TryParse(Encoding.UTF8.GetString(reader.ValueSpan), NumberStyles.Float, CultureInfo.InvariantCulture, out whole))
        {
            return false;
        }

        return whole == decimal.Truncate(whole);
    }

    /// <summary>The fields as they are read, before the snapshot is made.</summary>
    private struct Builder
    {
        public string? Namespace;
        public string? Name;
        public string? Uid;
        public long Generation;
        public DateTimeOffset? Created;
        public string? ResourceVersion;
        public int? ArgoRevision;
        public string? ExemptionValue;
        public string? WorkloadGeneration;
        public int HistoryLength; // -1: no annotation; int.MaxValue: not a string
        public ulong? TemplateFingerprint;
        public byte[]? WorkloadRef;
        public int? DeadlineSeconds;
        public bool Abort;
        public bool Paused;
        public bool Canary;
        public bool BlueGreen;
        public int? AutoPromotionSeconds;
        public bool? AutoPromotionEnabled;
        public WrongTypedFields WrongTyped;
        public CanaryStep[]? Steps;
        public bool TrafficRouting;
        public string? Selector;
        public bool StatusAbort;
        public string? Phase;
        public string? ObservedGeneration;
        public int? CurrentStepIndex;
        public string? CurrentPodHash;
        public string? StableRs;
        public RolloutCondition? Progressing;
        public RolloutCondition? PausedCondition;
        public PauseCondition[]? PauseConditions;
        public string? Duplicate;
        public int? MinReadySeconds;
        public string? DeadlineFound;
        public string? AbortFound;
        public PitfallSet Pitfalls;
        public int SpecStart;
        public int SpecEnd;
        public int IgnoreStart;
        public int IgnoreEnd;

        public Builder() => HistoryLength = -1;
    }
}

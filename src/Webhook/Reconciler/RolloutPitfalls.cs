using System.Buffers;
using System.Text.Json;
using DeadlineGuard.Pitfalls;
using DeadlineGuard.Policy;

namespace DeadlineGuard.Reconciler;

/// <summary>
/// The pitfall detector (<see cref="PitfallDetector"/>, the one admission and review run) over a Rollout's bytes, for
/// a snapshot: what the object itself shows, as <see cref="PitfallSet"/>. Run with no policy context (no injected
/// deadline, no pause limit, nothing ignored by the policy, not covered by the reconciler): those depend on the policy
/// in force, which can change while the snapshot is kept, so they are applied where the set is read
/// (<see cref="UnderPolicy"/>, by the reports and <c>status</c>). What the Rollout's own ignore annotation names is left out here, as the
/// detector leaves it out.
/// </summary>
public static class RolloutPitfalls
{
    /// <summary>DG104, the pitfall a pause limit in force answers (docs/pitfalls.md).</summary>
    public const string IndefinitePauseId = "DG104";

    private static readonly PitfallContext Context = new(DeadlineSeconds: null, PauseLimitSeconds: 0, ReconcilerCovers: false, IgnoredIds: []);

    private static readonly JsonReaderOptions Options = new() { MaxDepth = RolloutDecoder.MaxDepth };

    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = RolloutDecoder.MaxDepth };

    /// <summary>The finder the reconciler uses: the detector on the view (the spec and the ignore annotation).</summary>
    public static PitfallSet Find(ReadOnlySpan<byte> rollout, ReadOnlySpan<byte> detectorView) => Find(detectorView);

    /// <summary>The pitfalls in one Rollout object; not judged (the default set) when the bytes are not one JSON value.</summary>
    /// <remarks>
    /// The bytes are copied into a pooled buffer and parsed in place (JsonDocument keeps its index in pooled memory too),
    /// so that a fleet's first list does not allocate a copy of every object.
    /// </remarks>
    public static PitfallSet Find(ReadOnlySpan<byte> rollout)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(rollout.Length);
        try
        {
            rollout.CopyTo(buffer);
            using var document = JsonDocument.Parse(buffer.AsMemory(0, rollout.Length), DocumentOptions);
            return Find(document.RootElement);
        }
        catch (JsonException)
        {
            return default;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The pitfalls in one Rollout object already parsed.</summary>
    public static PitfallSet Find(JsonElement rollout) =>
        PitfallSet.Of(PitfallDetector.Detect(rollout, Context).Findings.Select(f => f.Id));

    /// <summary>
    /// <paramref name="found"/> less what the policy takes out, as the detector would under it: the ids of
    /// <c>pitfalls.ignore</c>, and DG104 (an indefinite pause with no pause limit) where the policy puts a pause limit
    /// on <paramref name="namespace"/>.
    /// </summary>
    public static PitfallSet UnderPolicy(PitfallSet found, DeadlinePolicy policy, string @namespace)
    {
        ArgumentNullException.ThrowIfNull(policy);
        foreach (var ignored in policy.Pitfalls.Ignore)
        {
            found = found.Without(ignored);
        }

        return PolicyResolver.PauseLimit(policy, @namespace).MaxSeconds > 0 ? found.Without(IndefinitePauseId) : found;
    }

    /// <summary>The bytes as a document (the bytes are copied), or null when they are not one JSON value.</summary>
    public static JsonDocument? Parse(ReadOnlySpan<byte> rollout)
    {
        try
        {
            var reader = new Utf8JsonReader(rollout, Options);
            return JsonDocument.ParseValue(ref reader);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

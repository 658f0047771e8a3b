using System.Text.Json;
using System.Text.Json.Nodes;
using DeadlineGuard.Policy;
using DeadlineGuard.Reconciler;

namespace DeadlineGuard.Tests.Reconciler;

/// <summary>Snapshots made as the informer makes them: the Rollout's JSON bytes through <see cref="RolloutDecoder"/>.</summary>
internal static class Snapshots
{
    public static RolloutDecoder Decoder(string? exemptionKey = null, bool keepSelector = true) =>
        new(new StringPool(), exemptionKey ?? DeadlinePolicy.BuiltIn.Exemptions.Annotation, keepSelector);

    public static RolloutSnapshot From(JsonObject rollout, RolloutDecoder? decoder = null) =>
        From(JsonSerializer.SerializeToUtf8Bytes(rollout), decoder);

    public static RolloutSnapshot From(string json, RolloutDecoder? decoder = null) =>
        From(System.Text.Encoding.UTF8.GetBytes(json), decoder);

    public static RolloutSnapshot From(byte[] json, RolloutDecoder? decoder = null) =>
        (decoder ?? Decoder()).Decode(json) ?? throw new ArgumentException("not a JSON object", nameof(json));
}

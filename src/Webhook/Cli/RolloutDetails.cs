using System.Text.Json;
using DeadlineGuard.History;
using DeadlineGuard.Pitfalls;

namespace DeadlineGuard.Cli;

/// <summary>
/// What <c>status -o wide</c> and <c>-o json</c> print of a Rollout beyond its snapshot: the images of its pod template
/// and its recorded revision history, read from the object while the list reader still holds it.
/// </summary>
public sealed record RolloutDetails(IReadOnlyList<string> Images, IReadOnlyList<RevisionEntry> History)
{
    public static RolloutDetails Empty { get; } = new([], []);

    public static RolloutDetails From(JsonElement rollout)
    {
        var images = JsonRead.Items(JsonRead.At(rollout, "spec", "template", "spec", "containers")) is { } containers
            ? containers.Select(c => JsonRead.String(JsonRead.At(c, "image"))).OfType<string>().ToList()
            : [];
        var annotation = JsonRead.String(JsonRead.At(rollout, "metadata", "annotations", RevisionHistoryAnnotation.Key));
        IReadOnlyList<RevisionEntry> history = annotation is not null && RevisionHistoryAnnotation.TryParse(annotation, out var entries, out _) ? entries : [];
        return new RolloutDetails(images, history);
    }

    /// <summary>The namespace and name of the object, to pair these details with its snapshot.</summary>
    public static (string Namespace, string Name) KeyOf(JsonElement rollout) =>
        (JsonRead.String(JsonRead.At(rollout, "metadata", "namespace")) ?? string.Empty, JsonRead.String(JsonRead.At(rollout, "metadata", "name")) ?? string.Empty);
}

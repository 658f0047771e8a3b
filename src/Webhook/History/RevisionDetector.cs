using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
using DeadlineGuard.Json;

namespace DeadlineGuard.History;

/// <summary>What starts a revision, and how a revision is identified (DESIGN.md §4). Pure functions of the objects.</summary>
public static class RevisionDetector
{
    /// <summary>Argo's controller copies the referenced workload's generation here (rollout/templateref.go).</summary>
    public const string WorkloadGenerationAnnotation = "rollout.argoproj.io/workload-generation";

    /// <summary>
    /// The revision this write starts, or null when it starts none: restartAt, paused, replicas, labels,
    /// annotations and the controller's revision bookkeeping change no revision. The templates are compared
    /// on their raw bytes first, then as canonical forms without writing them (<see cref="CanonicalJson.Equal"/>);
    /// only a template that changed has its canonical form written, for the fingerprint.
    /// </summary>
    public static RevisionStart? Detect(string operation, RolloutView rollout, RolloutView? previous)
    {
        ArgumentNullException.ThrowIfNull(rollout);
        if (operation == "CREATE" || previous is null)
        {
            return new RevisionStart(RevisionEntry.Create, Fingerprint(rollout));
        }

        var workloadRef = Present(rollout.WorkloadRefSlot);
        var previousRef = Present(previous.WorkloadRefSlot);
        if (workloadRef.IsPresent || previousRef.IsPresent)
        {
            var changed = !Same(rollout, workloadRef, previous, previousRef, r => r.WorkloadRef)
                || WorkloadGeneration(rollout) != WorkloadGeneration(previous);
            return changed ? new RevisionStart(RevisionEntry.Workload, Fingerprint(rollout)) : null;
        }

        return Same(rollout, Present(rollout.TemplateSlot), previous, Present(previous.TemplateSlot), r => r.Template)
            ? null
            : new RevisionStart(RevisionEntry.Template, Fingerprint(rollout));
    }

    /// <summary>SHA-256 (16 hex digits) of the canonical spec.template, or of spec.workloadRef plus the workload generation.</summary>
    public static string Fingerprint(JsonObject rollout)
    {
        var spec = rollout["spec"] as JsonObject;
        if (spec?["workloadRef"] is { } workloadRef)
        {
            return CanonicalJson.Fingerprint(new JsonObject
            {
                ["workloadRef"] = workloadRef.DeepClone(),
                ["generation"] = WorkloadGeneration(rollout),
            });
        }

        return CanonicalJson.Fingerprint(spec?["template"]);
    }

    /// <summary>As <see cref="Fingerprint(JsonObject)"/>, byte for byte, read from a parsed Rollout.</summary>
    /// <remarks>When the bytes are already canonical (as the API server writes a template) they are hashed as they are.</remarks>
    public static string Fingerprint(RolloutView rollout)
    {
        ArgumentNullException.ThrowIfNull(rollout);
        var workloadRef = Present(rollout.WorkloadRefSlot);
        if (!workloadRef.IsPresent)
        {
            var template = rollout.TemplateSlot;
            return !template.IsPresent ? CanonicalJson.Fingerprint(default(JsonElement))
                : template.CanonicalReady ? CanonicalJson.FingerprintOf(rollout.Raw(template))
                : CanonicalJson.Fingerprint(rollout.Template);
        }

        // The canonical form of {"workloadRef": ..., "generation": ...}: keys sorted, so generation first.
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = CanonicalJson.CreateWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WritePropertyName("generation");
            if (WorkloadGeneration(rollout) is { } generation)
            {
                writer.WriteStringValue(generation);
            }
            else
            {
                writer.WriteNullValue();
            }

            writer.WritePropertyName("workloadRef");
            if (workloadRef.CanonicalReady)
            {
                writer.WriteRawValue(rollout.Raw(workloadRef), skipInputValidation: true);
            }
            else
            {
                CanonicalJson.Write(writer, rollout.WorkloadRef);
            }

            writer.WriteEndObject();
        }

        return CanonicalJson.FingerprintOf(buffer.WrittenSpan);
    }

    public static string? WorkloadGeneration(JsonObject rollout) =>
        JsonValues.GetString(JsonValues.At(rollout, "metadata", "annotations", WorkloadGenerationAnnotation));

    public static string? WorkloadGeneration(RolloutView rollout) => rollout.StringAnnotation(WorkloadGenerationAnnotation);

    /// <summary>The images of spec.template's init and app containers, in order, repeats included.</summary>
    /// <remarks>Read from the template's bytes with a reader: no document is built for it.</remarks>
    public static IReadOnlyList<string> Images(RolloutView rollout)
    {
        ArgumentNullException.ThrowIfNull(rollout);
        var template = rollout.TemplateSlot;
        if (template.Kind != JsonValueKind.Object)
        {
            return [];
        }

        List<string> init = [], app = [];
        var reader = new Utf8JsonReader(rollout.Raw(template));
        reader.Read();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isSpec = reader.ValueTextEquals("spec"u8);
            reader.Read();
            if (!isSpec || reader.TokenType != JsonTokenType.StartObject)
            {
                reader.Skip();
                continue;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var list = reader.ValueTextEquals("initContainers"u8) ? init : reader.ValueTextEquals("containers"u8) ? app : null;
                reader.Read();
                if (list is null || reader.TokenType != JsonTokenType.StartArray)
                {
                    reader.Skip();
                    continue;
                }

                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    if (reader.TokenType != JsonTokenType.StartObject)
                    {
                        reader.Skip();
                        continue;
                    }

                    while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                    {
                        var isImage = reader.ValueTextEquals("image"u8);
                        reader.Read();
                        if (isImage && reader.TokenType == JsonTokenType.String && reader.GetString() is { Length: > 0 } image)
                        {
                            list.Add(image);
                        }
                        else
                        {
                            reader.Skip();
                        }
                    }
                }
            }
        }

        return [.. init, .. app];
    }

    /// <summary>A JSON null reads as absent, as a JsonObject indexer returns it.</summary>
    private static JsonSlot Present(JsonSlot slot) => slot.Kind == JsonValueKind.Null ? default : slot;

    /// <summary>
    /// Equal canonical forms (absent and null alike): equal raw bytes are; different raw bytes that are both
    /// canonical already are not; anything else is compared as canonical JSON without writing it.
    /// </summary>
    private static bool Same(RolloutView a, JsonSlot slotA, RolloutView b, JsonSlot slotB, Func<RolloutView, JsonElement> element)
    {
        if (!slotA.IsPresent || !slotB.IsPresent)
        {
            return !slotA.IsPresent && !slotB.IsPresent;
        }

        if (a.Raw(slotA).SequenceEqual(b.Raw(slotB)))
        {
            return true;
        }

        return !(slotA.CanonicalReady && slotB.CanonicalReady) && CanonicalJson.Equal(element(a), element(b));
    }
}

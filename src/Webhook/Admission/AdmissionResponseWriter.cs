using System.Buffers;
using System.Text.Json;
using DeadlineGuard.Json;

namespace DeadlineGuard.Admission;

/// <summary>Encodes a decision as an AdmissionReview response in the version the request used.</summary>
public static class AdmissionResponseWriter
{
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_patch;

    public static void Write(IBufferWriter<byte> output, string apiVersion, string uid, AdmissionDecision decision)
    {
        using var writer = new Utf8JsonWriter(output);
        writer.WriteStartObject();
        writer.WriteString("apiVersion", apiVersion);
        writer.WriteString("kind", "AdmissionReview");
        writer.WriteStartObject("response");
        writer.WriteString("uid", uid);
        writer.WriteBoolean("allowed", decision.Allowed);
        if (decision.Patch.Count > 0)
        {
            // The patch's JSON is only the input of its base64: written into a buffer kept per thread.
            var patch = t_patch ??= new ArrayBufferWriter<byte>(1024);
            patch.ResetWrittenCount();
            JsonPatch.Serialize(decision.Patch, patch);
            writer.WriteString("patchType", "JSONPatch");
            writer.WriteBase64String("patch", patch.WrittenSpan);
            if (patch.Capacity > 1 << 20)
            {
                t_patch = null;
            }
        }

        if (!decision.Allowed)
        {
            writer.WriteStartObject("status");
            writer.WriteNumber("code", 403);
            writer.WriteString("reason", "Forbidden");
            writer.WriteString("message", decision.Message ?? "denied by the progress-deadline policy");
            writer.WriteEndObject();
        }

        if (decision.Warnings.Count + decision.PitfallWarnings.Count > 0)
        {
            // The policy's own warnings first, then the pitfalls'.
            writer.WriteStartArray("warnings");
            foreach (var warning in decision.Warnings)
            {
                writer.WriteStringValue(warning);
            }

            foreach (var warning in decision.PitfallWarnings)
            {
                writer.WriteStringValue(warning);
            }

            writer.WriteEndArray();
        }

        if (decision.AuditAnnotations.Count > 0)
        {
            writer.WriteStartObject("auditAnnotations");
            foreach (var (key, value) in decision.AuditAnnotations)
            {
                writer.WriteString(key, value);
            }

            writer.WriteEndObject();
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
    }
}

using System.Buffers;
using System.Text.Json;
using DeadlineGuard.Json;

namespace DeadlineGuard.Admission;

/// <summary>Encodes a decision as an AdmissionReview response in the version the request used.</summary>
public static class AdmissionResponseWriter
{
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
            writer.WriteString("patchType", "JSONPatch");
            writer.WriteBase64String("patch", JsonPatch.Serialize(decision.Patch));
        }

        if (!decision.Allowed)
        {
            writer.WriteStartObject("status");
            writer.WriteNumber("code", 403);
            writer.WriteString("reason", "Forbidden");
            writer.WriteString("message", decision.Message ?? "denied by the progress-deadline policy");
            writer.WriteEndObject();
        }

        if (decision.Warnings.Count > 0)
        {
            writer.WriteStartArray("warnings");
            foreach (var warning in decision.Warnings)
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

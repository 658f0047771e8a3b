using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
using DeadlineGuard.History;
using DeadlineGuard.Json;

namespace DeadlineGuard.Admission;

/// <summary>
/// Decodes an AdmissionReview body into an <see cref="AdmissionRequest"/> or a one-line reason. The body is
/// parsed once, strictly (<see cref="StrictJsonDocument"/>), and only the fields the decisions read are taken.
/// </summary>
public static class AdmissionDecoder
{
    /// <summary>Deeper documents are refused; real Rollouts nest to about 20 levels.</summary>
    public const int MaxDepth = 128;

    private static readonly string[] Operations = ["CREATE", "UPDATE", "DELETE", "CONNECT"];
    private static readonly string[] ApiVersions = [AdmissionRequest.V1, AdmissionRequest.V1Beta1];
    private static readonly string[] Groups = ["argoproj.io"];
    private static readonly string[] Kinds = ["Rollout"];

    /// <summary>Decodes a request body; a successful result owns the parsed body until its request is disposed.</summary>
    public static DecodeResult Decode(ReadOnlySequence<byte> body) =>
        Decode(StrictJsonDocument.TryParse(body, MaxDepth, out var problem), problem);

    /// <inheritdoc cref="Decode(ReadOnlySequence{byte})"/>
    public static DecodeResult Decode(ReadOnlySpan<byte> body) =>
        Decode(StrictJsonDocument.TryParse(body, MaxDepth, out var problem), problem);

    /// <summary>
    /// A CREATE of a manifest as the offline <c>review</c> command evaluates it: by user <c>webhook-review</c>,
    /// as a dry run, decoded by the same path as a review the API server sends.
    /// </summary>
    public static DecodeResult ForManifest(JsonObject rollout, string @namespace, string name)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        try
        {
            using var writer = new Utf8JsonWriter(buffer);
            writer.WriteStartObject();
            writer.WriteString("apiVersion", AdmissionRequest.V1);
            writer.WriteString("kind", "AdmissionReview");
            writer.WriteStartObject("request");
            writer.WriteString("uid", "review");
            writer.WriteStartObject("kind");
            writer.WriteString("group", "argoproj.io");
            writer.WriteString("version", "v1alpha1");
            writer.WriteString("kind", "Rollout");
            writer.WriteEndObject();
            writer.WriteString("namespace", @namespace);
            writer.WriteString("name", name);
            writer.WriteString("operation", "CREATE");
            writer.WriteStartObject("userInfo");
            writer.WriteString("username", "webhook-review");
            writer.WriteEndObject();
            writer.WriteBoolean("dryRun", true);
            writer.WritePropertyName("object");
            rollout.WriteTo(writer);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            return DecodeResult.Invalid($"the Rollout cannot be written as JSON: {StrictJsonDocument.FirstLine(e.Message)}");
        }

        return Decode(buffer.WrittenSpan);
    }

    private static DecodeResult Decode(StrictJsonDocument? body, JsonProblem? problem)
    {
        if (body is null)
        {
            return DecodeResult.Invalid(problem!.Kind == JsonProblemKind.Syntax
                ? $"body is not valid JSON: {problem.Message}"
                : $"body has a {problem.Message}");
        }

        var result = Decode(body);
        if (result.Request is null)
        {
            body.Dispose();
        }

        return result;
    }

    private static DecodeResult Decode(StrictJsonDocument body)
    {
        var review = body.Root;
        if (review.ValueKind != JsonValueKind.Object)
        {
            return DecodeResult.Invalid($"body must be an AdmissionReview object, found {JsonValues.Describe(review)}");
        }

        var apiVersionValue = JsonValues.Member(review, "apiVersion"u8);
        if (OneOf(apiVersionValue, ApiVersions) is not { } apiVersion)
        {
            return DecodeResult.Invalid($"apiVersion must be {AdmissionRequest.V1} or {AdmissionRequest.V1Beta1}, found {JsonValues.Describe(apiVersionValue)}");
        }

        var reviewKind = JsonValues.Member(review, "kind"u8);
        if (reviewKind.ValueKind != JsonValueKind.String || !reviewKind.ValueEquals("AdmissionReview"u8))
        {
            return DecodeResult.Invalid($"kind must be AdmissionReview, found {JsonValues.Describe(reviewKind)}");
        }

        if (!review.TryGetProperty("request"u8, out var request) || request.ValueKind != JsonValueKind.Object)
        {
            return DecodeResult.Invalid($"request must be an object, found {Found(request)}");
        }

        var uidValue = JsonValues.Member(request, "uid"u8);
        if (JsonValues.GetString(uidValue) is not { Length: > 0 } uid)
        {
            return DecodeResult.Invalid($"request.uid must be a non-empty string, found {Found(uidValue)}");
        }

        var operationValue = JsonValues.Member(request, "operation"u8);
        if (OneOf(operationValue, Operations) is not { } operation)
        {
            return DecodeResult.Invalid($"request.operation must be one of CREATE, UPDATE, DELETE, CONNECT, found {Found(operationValue)}");
        }

        var kind = JsonValues.Member(request, "kind"u8);
        if (Known(JsonValues.Member(kind, "kind"u8), Kinds) is not { Length: > 0 } kindName)
        {
            return DecodeResult.Invalid("request.kind must be an object with group, version and kind");
        }

        if (!TryOptionalObject(request, "object"u8, "object", out var obj, out var problem)
            || !TryOptionalObject(request, "oldObject"u8, "oldObject", out var oldObj, out problem))
        {
            return DecodeResult.Invalid(problem!);
        }

        // Optional parts of another type count as absent.
        var metadata = obj?.Metadata ?? default;
        var parsed = new AdmissionRequest(
            body,
            apiVersion,
            uid,
            operation,
            kindGroup: Known(JsonValues.Member(kind, "group"u8), Groups) ?? string.Empty,
            kindName,
            subResource: JsonValues.GetString(JsonValues.Member(request, "subResource"u8)) ?? string.Empty,
            @namespace: JsonValues.GetString(JsonValues.Member(request, "namespace"u8)) ?? JsonValues.GetString(JsonValues.Member(metadata, "namespace"u8)) ?? string.Empty,
            name: JsonValues.GetString(JsonValues.Member(request, "name"u8)) ?? JsonValues.GetString(JsonValues.Member(metadata, "name"u8)) ?? string.Empty,
            user: JsonValues.GetString(JsonValues.At(request, "userInfo", "username")) ?? string.Empty,
            obj,
            oldObj,
            dryRun: JsonValues.TryGetBool(JsonValues.Member(request, "dryRun"u8), out var dryRun) && dryRun);

        if (parsed.IsRolloutWrite && parsed.Object is null)
        {
            return DecodeResult.Invalid($"request.object must hold the Rollout for {operation}");
        }

        if (parsed.IsRolloutWrite && operation == "UPDATE" && parsed.OldObject is null)
        {
            return DecodeResult.Invalid("request.oldObject must hold the current Rollout for UPDATE");
        }

        return new DecodeResult(parsed, null);
    }

    /// <summary>What was found, for a message: "nothing" when absent.</summary>
    private static string Found(JsonElement value) => value.ValueKind == JsonValueKind.Undefined ? "nothing" : JsonValues.Describe(value);

    /// <summary>The candidate the string equals (no allocation), or null when it is not a string or none matches.</summary>
    private static string? OneOf(JsonElement value, string[] candidates)
    {
        if (value.ValueKind != JsonValueKind.String)
        {
            return null;
        }

        foreach (var candidate in candidates)
        {
            if (value.ValueEquals(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>A string value, shared with a known one when equal; null when not a string.</summary>
    private static string? Known(JsonElement value, string[] known) => OneOf(value, known) ?? JsonValues.GetString(value);

    private static bool TryOptionalObject(JsonElement request, ReadOnlySpan<byte> utf8Name, string name, out RolloutView? value, out string? problem)
    {
        problem = null;
        value = null;
        var element = JsonValues.Member(request, utf8Name);
        switch (element.ValueKind)
        {
            case JsonValueKind.Undefined or JsonValueKind.Null:
                return true;
            case JsonValueKind.Object:
                value = RolloutView.Of(element);
                return true;
            default:
                problem = $"request.{name} must be an object or null, found {JsonValues.Describe(element)}";
                return false;
        }
    }
}

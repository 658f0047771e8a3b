using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Unicode;
using DeadlineGuard.Json;

namespace DeadlineGuard.Admission;

/// <summary>Either a request, or a one-line reason why the body is not a usable AdmissionReview (answered HTTP 400).</summary>
public sealed record DecodeResult(AdmissionRequest? Request, string? Error)
{
    public static DecodeResult Invalid(string reason) => new(null, reason);
}

/// <summary>Decodes an AdmissionReview body into an <see cref="AdmissionRequest"/> or a one-line reason.</summary>
public static class AdmissionDecoder
{
    /// <summary>Deeper documents are refused; real Rollouts nest to about 20 levels.</summary>
    public const int MaxDepth = 128;

    private static readonly string[] Operations = ["CREATE", "UPDATE", "DELETE", "CONNECT"];

    public static DecodeResult Decode(ReadOnlySequence<byte> body)
    {
        if (!IsValidUtf8(body))
        {
            return DecodeResult.Invalid("body is not valid JSON: it is not valid UTF-8");
        }

        JsonNode? root;
        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = MaxDepth });
            root = JsonNode.Parse(ref reader);
            if (reader.Read())
            {
                return DecodeResult.Invalid("body is not valid JSON: unexpected content after the AdmissionReview");
            }
        }
        catch (JsonException e)
        {
            return DecodeResult.Invalid($"body is not valid JSON: {FirstLine(e.Message)}");
        }

        return Decode(root);
    }

    public static DecodeResult Decode(JsonNode? root)
    {
        if (root is not JsonObject review)
        {
            return DecodeResult.Invalid($"body must be an AdmissionReview object, found {JsonValues.Describe(root)}");
        }

        var apiVersion = JsonValues.GetString(review["apiVersion"]);
        if (apiVersion is not (AdmissionRequest.V1 or AdmissionRequest.V1Beta1))
        {
            return DecodeResult.Invalid($"apiVersion must be {AdmissionRequest.V1} or {AdmissionRequest.V1Beta1}, found {JsonValues.Describe(review["apiVersion"])}");
        }

        if (JsonValues.GetString(review["kind"]) != "AdmissionReview")
        {
            return DecodeResult.Invalid($"kind must be AdmissionReview, found {JsonValues.Describe(review["kind"])}");
        }

        if (review["request"] is not JsonObject request)
        {
            return DecodeResult.Invalid($"request must be an object, found {(review.ContainsKey("request") ? JsonValues.Describe(review["request"]) : "nothing")}");
        }

        var uid = JsonValues.GetString(request["uid"]);
        if (string.IsNullOrEmpty(uid))
        {
            return DecodeResult.Invalid($"request.uid must be a non-empty string, found {(request.ContainsKey("uid") ? JsonValues.Describe(request["uid"]) : "nothing")}");
        }

        var operation = JsonValues.GetString(request["operation"]);
        if (operation is null || Array.IndexOf(Operations, operation) < 0)
        {
            return DecodeResult.Invalid($"request.operation must be one of CREATE, UPDATE, DELETE, CONNECT, found {(request.ContainsKey("operation") ? JsonValues.Describe(request["operation"]) : "nothing")}");
        }

        if (request["kind"] is not JsonObject kind || JsonValues.GetString(kind["kind"]) is not { Length: > 0 } kindName)
        {
            return DecodeResult.Invalid("request.kind must be an object with group, version and kind");
        }

        if (!TryOptionalObject(request, "object", out var obj, out var problem) || !TryOptionalObject(request, "oldObject", out var oldObj, out problem))
        {
            return DecodeResult.Invalid(problem!);
        }

        // Indexing a node that is not an object throws: optional parts of another type count as absent.
        var metadata = obj?["metadata"] as JsonObject;
        var parsed = new AdmissionRequest(
            ApiVersion: apiVersion,
            Uid: uid,
            Operation: operation,
            KindGroup: JsonValues.GetString(kind["group"]) ?? string.Empty,
            KindName: kindName,
            SubResource: JsonValues.GetString(request["subResource"]) ?? string.Empty,
            Namespace: JsonValues.GetString(request["namespace"]) ?? JsonValues.GetString(metadata?["namespace"]) ?? string.Empty,
            Name: JsonValues.GetString(request["name"]) ?? JsonValues.GetString(metadata?["name"]) ?? string.Empty,
            User: JsonValues.GetString((request["userInfo"] as JsonObject)?["username"]) ?? string.Empty,
            Object: obj,
            OldObject: oldObj,
            DryRun: JsonValues.TryGetBool(request["dryRun"], out var dryRun) && dryRun);

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

    private static bool TryOptionalObject(JsonObject request, string name, out JsonObject? value, out string? problem)
    {
        problem = null;
        value = null;
        var node = request[name];
        if (node is null)
        {
            return true;
        }

        if (node is JsonObject obj)
        {
            value = obj;
            return true;
        }

        problem = $"request.{name} must be an object or null, found {JsonValues.Describe(node)}";
        return false;
    }

    /// <summary>
    /// Utf8JsonReader does not check the bytes inside strings; JsonNode transcodes them only when read, and
    /// would then throw far from here. A character may straddle segments, so a split body is checked whole.
    /// </summary>
    private static bool IsValidUtf8(ReadOnlySequence<byte> body)
    {
        if (body.IsSingleSegment)
        {
            return Utf8.IsValid(body.FirstSpan);
        }

        var length = checked((int)body.Length);
        var copy = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            body.CopyTo(copy);
            return Utf8.IsValid(copy.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(copy);
        }
    }

    private static string FirstLine(string message)
    {
        var end = message.IndexOfAny(['\r', '\n']);
        return end < 0 ? message : message[..end];
    }
}

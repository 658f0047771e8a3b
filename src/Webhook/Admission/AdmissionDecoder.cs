using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
using DeadlineGuard.History;
using DeadlineGuard.Json;

namespace DeadlineGuard.Admission;

/// <summary>
/// Decodes an AdmissionReview body into an <see cref="AdmissionRequest"/> or a one-line reason. The body is read
/// once (<see cref="JsonScanner"/>): checked whole (JSON, no repeated key, no lone surrogate escape), and only the
/// places of the fields the decisions read are kept. No document or tree of the review is built.
/// </summary>
public static class AdmissionDecoder
{
    /// <summary>Deeper documents are refused; real Rollouts nest to about 20 levels.</summary>
    public const int MaxDepth = 128;

    private const int Root = 0, ApiVersion = 1, Kind = 2, Request = 3, Uid = 4, Operation = 5, SubResource = 6, Namespace = 7,
        Name = 8, DryRun = 9, RequestKind = 10, KindGroup = 11, KindName = 12, Username = 13, Object = 14,
        OldObject = Object + RolloutView.SlotCount;

    private static readonly string[] Operations = ["CREATE", "UPDATE", "DELETE", "CONNECT"];
    private static readonly string[] ApiVersions = [AdmissionRequest.V1, AdmissionRequest.V1Beta1];
    private static readonly string[] Groups = ["argoproj.io"];
    private static readonly string[] Kinds = ["Rollout"];

    private static readonly JsonPathSet Paths = ReviewPaths();

    private static JsonPathSet ReviewPaths()
    {
        var paths = new JsonPathSet()
            .Capture(Root, false)
            .Capture(ApiVersion, false, "apiVersion")
            .Capture(Kind, false, "kind")
            .Capture(Request, false, "request")
            .Capture(Uid, false, "request", "uid")
            .Capture(Operation, false, "request", "operation")
            .Capture(SubResource, false, "request", "subResource")
            .Capture(Namespace, false, "request", "namespace")
            .Capture(Name, false, "request", "name")
            .Capture(DryRun, false, "request", "dryRun")
            .Capture(RequestKind, false, "request", "kind")
            .Capture(KindGroup, false, "request", "kind", "group")
            .Capture(KindName, false, "request", "kind", "kind")
            .Capture(Username, false, "request", "userInfo", "username");
        RolloutView.AddPaths(paths, Object, "request", "object");
        return RolloutView.AddPaths(paths, OldObject, "request", "oldObject");
    }

    /// <summary>Decodes a request body; a successful result owns its copy of the body until its request is disposed.</summary>
    public static DecodeResult Decode(ReadOnlySequence<byte> body) =>
        Decode(JsonScanner.Scan(body, Paths, MaxDepth, out var problem), problem);

    /// <inheritdoc cref="Decode(ReadOnlySequence{byte})"/>
    public static DecodeResult Decode(ReadOnlySpan<byte> body) => Decode(new ReadOnlySequence<byte>(body.ToArray()));

    /// <summary>
    /// A CREATE of a manifest as the offline <c>review</c> command evaluates it: by user <c>webhook-review</c>,
    /// as a dry run, decoded by the same path as a review the API server sends.
    /// </summary>
    public static DecodeResult ForManifest(JsonObject rollout, string @namespace, string name)
    {
        ArgumentNullException.ThrowIfNull(rollout);
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
            return DecodeResult.Invalid($"the Rollout cannot be written as JSON: {JsonProblem.FirstLine(e.Message)}");
        }

        return Decode(new ReadOnlySequence<byte>(buffer.WrittenMemory));
    }

    private static DecodeResult Decode(JsonScan? scan, JsonProblem? problem)
    {
        if (scan is null)
        {
            return DecodeResult.Invalid(problem!.Kind == JsonProblemKind.Syntax
                ? $"body is not valid JSON: {problem.Message}"
                : $"body has a {problem.Message}");
        }

        var result = Decode(scan);
        if (result.Request is null)
        {
            scan.Dispose();
        }

        return result;
    }

    private static DecodeResult Decode(JsonScan scan)
    {
        var slots = scan.Slots;
        if (slots[Root].Kind != JsonValueKind.Object)
        {
            return DecodeResult.Invalid($"body must be an AdmissionReview object, found {Describe(scan, Root)}");
        }

        if (OneOf(scan, slots[ApiVersion], ApiVersions) is not { } apiVersion)
        {
            return DecodeResult.Invalid($"apiVersion must be {AdmissionRequest.V1} or {AdmissionRequest.V1Beta1}, found {Describe(scan, ApiVersion)}");
        }

        if (!scan.StringEquals(slots[Kind], "AdmissionReview"u8))
        {
            return DecodeResult.Invalid($"kind must be AdmissionReview, found {Describe(scan, Kind)}");
        }

        if (slots[Request].Kind != JsonValueKind.Object)
        {
            return DecodeResult.Invalid($"request must be an object, found {Found(scan, Request)}");
        }

        if (scan.GetString(slots[Uid]) is not { Length: > 0 } uid)
        {
            return DecodeResult.Invalid($"request.uid must be a non-empty string, found {Found(scan, Uid)}");
        }

        if (OneOf(scan, slots[Operation], Operations) is not { } operation)
        {
            return DecodeResult.Invalid($"request.operation must be one of CREATE, UPDATE, DELETE, CONNECT, found {Found(scan, Operation)}");
        }

        if (Known(scan, slots[KindName], Kinds) is not { Length: > 0 } kindName)
        {
            return DecodeResult.Invalid("request.kind must be an object with group, version and kind");
        }

        if (!TryOptionalObject(scan, Object, "object", out var obj, out var problem)
            || !TryOptionalObject(scan, OldObject, "oldObject", out var oldObj, out problem))
        {
            return DecodeResult.Invalid(problem!);
        }

        var parsed = new AdmissionRequest(
            scan,
            apiVersion,
            uid,
            operation,
            kindGroup: Known(scan, slots[KindGroup], Groups) ?? string.Empty,
            kindName,
            subResource: scan.GetString(slots[SubResource]) ?? string.Empty,
            @namespace: scan.GetString(slots[Namespace]) ?? obj?.Namespace ?? string.Empty,
            name: scan.GetString(slots[Name]) ?? obj?.Name ?? string.Empty,
            user: scan.GetString(slots[Username]) ?? string.Empty,
            obj,
            oldObj,
            dryRun: slots[DryRun].Kind == JsonValueKind.True);

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

    /// <summary>What was found in a slot, for a message (an absent value reads as null).</summary>
    private static string Describe(JsonScan scan, int slot) => JsonValues.Describe(scan.Element(slot));

    /// <summary>As <see cref="Describe"/>, but "nothing" when absent.</summary>
    private static string Found(JsonScan scan, int slot) => scan.Slots[slot].IsPresent ? Describe(scan, slot) : "nothing";

    /// <summary>The candidate a string slot equals (no allocation), or null when it is not a string or none matches.</summary>
    private static string? OneOf(JsonScan scan, JsonSlot slot, string[] candidates)
    {
        if (slot.Kind != JsonValueKind.String)
        {
            return null;
        }

        Span<byte> utf8 = stackalloc byte[32];
        foreach (var candidate in candidates)
        {
            var length = System.Text.Encoding.UTF8.GetBytes(candidate, utf8);
            if (scan.StringEquals(slot, utf8[..length]))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>A string slot's value, shared with a known one when equal; null when not a string.</summary>
    private static string? Known(JsonScan scan, JsonSlot slot, string[] known) => OneOf(scan, slot, known) ?? scan.GetString(slot);

    private static bool TryOptionalObject(JsonScan scan, int slot, string name, out RolloutView? value, out string? problem)
    {
        problem = null;
        value = null;
        switch (scan.Slots[slot].Kind)
        {
            case JsonValueKind.Undefined or JsonValueKind.Null:
                return true;
            case JsonValueKind.Object:
                value = new RolloutView(scan, slot);
                return true;
            default:
                problem = $"request.{name} must be an object or null, found {Describe(scan, slot)}";
                return false;
        }
    }
}

using System.Text.Json.Nodes;

namespace DeadlineGuard.Tests.Support.FakeKube;

/// <summary>A request the fake API server refuses: answered with a Kubernetes Status body and <see cref="Code"/>.</summary>
public sealed class FakeKubeStatusException(int code, string reason, string message) : Exception(message)
{
    public int Code { get; } = code;

    public string Reason { get; } = reason;

    public JsonObject ToStatus() => KubeStatus.Failure(Code, Reason, Message);

    public static FakeKubeStatusException NotFound(FakeKubeResource type, string name) =>
        new(404, "NotFound", $"{type.GroupResource} \"{name}\" not found");

    public static FakeKubeStatusException AlreadyExists(FakeKubeResource type, string name) =>
        new(409, "AlreadyExists", $"{type.GroupResource} \"{name}\" already exists");

    public static FakeKubeStatusException Conflict(FakeKubeResource type, string name) =>
        new(409, "Conflict", $"Operation cannot be fulfilled on {type.GroupResource} \"{name}\": the object has been modified; please apply your changes to the latest version and try again");

    public static FakeKubeStatusException BadRequest(string message) => new(400, "BadRequest", message);

    public static FakeKubeStatusException Invalid(string message) => new(422, "Invalid", message);

    public static FakeKubeStatusException Expired(string message) => new(410, "Expired", message);
}

/// <summary>Kubernetes <c>Status</c> bodies as the API server writes them.</summary>
public static class KubeStatus
{
    public static JsonObject Failure(int code, string reason, string message) => new()
    {
        ["kind"] = "Status",
        ["apiVersion"] = "v1",
        ["metadata"] = new JsonObject(),
        ["status"] = "Failure",
        ["message"] = message,
        ["reason"] = reason,
        ["code"] = code,
    };

    /// <summary>The reason the API server gives for a bare status code, for failures injected by tests.</summary>
    public static string ReasonFor(int code) => code switch
    {
        400 => "BadRequest",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "NotFound",
        405 => "MethodNotAllowed",
        409 => "Conflict",
        410 => "Expired",
        415 => "UnsupportedMediaType",
        422 => "Invalid",
        429 => "TooManyRequests",
        503 => "ServiceUnavailable",
        504 => "Timeout",
        _ => "InternalError",
    };
}

using DeadlineGuard.History;
using DeadlineGuard.Json;

namespace DeadlineGuard.Admission;

/// <summary>
/// The parts of an AdmissionReview request the decisions use, decoded once. <see cref="Object"/> and
/// <see cref="OldObject"/> point into the request's parsed body, which this owns: they are valid until it is
/// disposed, so a decision reads them during the request and keeps nothing of them.
/// </summary>
public sealed class AdmissionRequest : IDisposable
{
    public const string V1 = "admission.k8s.io/v1";
    public const string V1Beta1 = "admission.k8s.io/v1beta1";

    private readonly JsonScan? _body;

    internal AdmissionRequest(
        JsonScan? body,
        string apiVersion,
        string uid,
        string operation,
        string kindGroup,
        string kindName,
        string subResource,
        string @namespace,
        string name,
        string user,
        RolloutView? obj,
        RolloutView? oldObject,
        bool dryRun)
    {
        _body = body;
        ApiVersion = apiVersion;
        Uid = uid;
        Operation = operation;
        KindGroup = kindGroup;
        KindName = kindName;
        SubResource = subResource;
        Namespace = @namespace;
        Name = name;
        User = user;
        Object = obj;
        OldObject = oldObject;
        DryRun = dryRun;
    }

    public string ApiVersion { get; }

    public string Uid { get; }

    /// <summary>CREATE, UPDATE, DELETE or CONNECT.</summary>
    public string Operation { get; }

    public string KindGroup { get; }

    public string KindName { get; }

    /// <summary>Empty for the main resource.</summary>
    public string SubResource { get; }

    /// <summary><c>request.namespace</c>, else the object's <c>metadata.namespace</c>, else empty.</summary>
    public string Namespace { get; }

    /// <summary><c>request.name</c>, else the object's <c>metadata.name</c>, else empty.</summary>
    public string Name { get; }

    /// <summary><c>userInfo.username</c>, or empty.</summary>
    public string User { get; }

    public RolloutView? Object { get; }

    public RolloutView? OldObject { get; }

    public bool DryRun { get; }

    /// <summary>Rollout CREATE and UPDATE on the main resource: everything else passes untouched.</summary>
    public bool IsRolloutWrite =>
        KindGroup == "argoproj.io" && KindName == "Rollout" && SubResource.Length == 0
        && Operation is "CREATE" or "UPDATE";

    public string Display => $"{(Namespace.Length == 0 ? "-" : Namespace)}/{(Name.Length == 0 ? "-" : Name)}";

    public void Dispose() => _body?.Dispose();
}

using System.Text.Json.Nodes;

namespace DeadlineGuard.Admission;

/// <summary>The parts of an AdmissionReview request the decisions use.</summary>
public sealed record AdmissionRequest(
    string ApiVersion,
    string Uid,
    string Operation,
    string KindGroup,
    string KindName,
    string SubResource,
    string Namespace,
    string Name,
    string User,
    JsonObject? Object,
    JsonObject? OldObject,
    bool DryRun)
{
    public const string V1 = "admission.k8s.io/v1";
    public const string V1Beta1 = "admission.k8s.io/v1beta1";

    /// <summary>Rollout CREATE and UPDATE on the main resource: everything else passes untouched.</summary>
    public bool IsRolloutWrite =>
        KindGroup == "argoproj.io" && KindName == "Rollout" && SubResource.Length == 0
        && Operation is "CREATE" or "UPDATE";

    public string Display => $"{(Namespace.Length == 0 ? "-" : Namespace)}/{(Name.Length == 0 ? "-" : Name)}";
}

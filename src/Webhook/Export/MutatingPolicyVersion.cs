namespace DeadlineGuard.Export;

/// <summary>The admissionregistration.k8s.io version the MutatingAdmissionPolicy is written in.</summary>
public enum MutatingPolicyVersion
{
    /// <summary>GA, served and enabled by default from Kubernetes 1.36.</summary>
    V1,

    /// <summary>Beta in Kubernetes 1.34 and 1.35, behind the MutatingAdmissionPolicy feature gate and runtime-config.</summary>
    V1Beta1,
}

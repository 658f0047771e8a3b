namespace DeadlineGuard.Export;

/// <summary>Which admission policies <c>webhook export-policy</c> writes.</summary>
public enum ExportFormat
{
    /// <summary>ValidatingAdmissionPolicies and their bindings (the rules, the actions, the exemptions).</summary>
    Vap,

    /// <summary>The MutatingAdmissionPolicy and its binding (the injection of missing fields).</summary>
    Map,

    /// <summary>Both.</summary>
    All,
}

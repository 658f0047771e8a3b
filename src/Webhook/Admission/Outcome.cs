namespace DeadlineGuard.Admission;

/// <summary>What was decided, in the words metrics and logs use.</summary>
public enum Outcome
{
    /// <summary>Not a Rollout CREATE/UPDATE: allowed untouched.</summary>
    Skipped,

    /// <summary>Namespace or annotation exemption: allowed untouched.</summary>
    Exempt,

    /// <summary>Allowed with nothing to change or report.</summary>
    Allowed,

    /// <summary>Allowed with a patch.</summary>
    Patched,

    /// <summary>Violations under action Warn: allowed with warnings.</summary>
    Warned,

    /// <summary>Violations under action Audit: allowed, recorded in audit annotations.</summary>
    Audited,

    /// <summary>Violations under action Deny.</summary>
    Denied,

    /// <summary>An internal fault; answered per the failure policy.</summary>
    Error,
}

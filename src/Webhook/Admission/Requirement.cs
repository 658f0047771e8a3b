namespace DeadlineGuard.Admission;

/// <summary>
/// What a broken rule requires of its field, as data: <see cref="Violation.Required"/> says it in words, and
/// <see cref="Violation.Bound"/> holds the number the requirement names, if any.
/// </summary>
public enum Requirement
{
    /// <summary>The field must be set (to a whole number of seconds within the policy's bounds).</summary>
    Set,

    /// <summary>The value must be a whole number of seconds (within the policy's bounds).</summary>
    WholeNumber,

    /// <summary>The value must be at least the bound: the policy's minimum.</summary>
    AtLeast,

    /// <summary>The value must be at most the bound: the policy's maximum.</summary>
    AtMost,

    /// <summary>The value must be greater than the bound: spec.minReadySeconds, as Argo Rollouts requires.</summary>
    GreaterThan,

    /// <summary>The value must be true.</summary>
    True,
}

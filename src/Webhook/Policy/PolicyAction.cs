namespace DeadlineGuard.Policy;

/// <summary>What a violation does: refuse the request, allow it with warnings, or allow it and record it.</summary>
public enum PolicyAction
{
    Deny,
    Warn,
    Audit,
}

namespace DeadlineGuard.Admission;

/// <summary>One broken rule: the field, the value found, and what the policy requires.</summary>
public sealed record Violation(string Field, string Found, string Required)
{
    public string Message => $"{Field} is {Found}; {Required}";
}

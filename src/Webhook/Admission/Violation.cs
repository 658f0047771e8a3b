namespace DeadlineGuard.Admission;

/// <summary>
/// One broken rule: the field, the value found, and what the policy requires, in words (<see cref="Required"/>) and as
/// data (<see cref="Requirement"/> and the number it names, <see cref="Bound"/>).
/// </summary>
public sealed record Violation(string Field, string Found, string Required)
{
    public Requirement Requirement { get; init; }

    public int? Bound { get; init; }

    public string Message => $"{Field} is {Found}; {Required}";
}

namespace DeadlineGuard.Policy;

/// <summary>A policy file could not be used; every problem is listed.</summary>
public sealed class PolicyException(string source, IReadOnlyList<PolicyProblem> problems)
    : Exception($"policy {source} is invalid:{Environment.NewLine}" + string.Join(Environment.NewLine, problems.Select(p => "  - " + p)))
{
    public string PolicySource { get; } = source;

    public IReadOnlyList<PolicyProblem> Problems { get; } = problems;
}

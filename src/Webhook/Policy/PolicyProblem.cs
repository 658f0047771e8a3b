namespace DeadlineGuard.Policy;

/// <summary>One thing wrong with a policy file, at a dotted path such as <c>spec.bounds.minSeconds</c>.</summary>
public sealed record PolicyProblem(string Path, string Message)
{
    public override string ToString() => $"{Path}: {Message}";
}

/// <summary>A policy file could not be used; every problem is listed.</summary>
public sealed class PolicyException(string source, IReadOnlyList<PolicyProblem> problems)
    : Exception($"policy {source} is invalid:{Environment.NewLine}" + string.Join(Environment.NewLine, problems.Select(p => "  - " + p)))
{
    public string PolicySource { get; } = source;

    public IReadOnlyList<PolicyProblem> Problems { get; } = problems;
}

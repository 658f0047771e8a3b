namespace DeadlineGuard.Policy;

/// <summary>One thing wrong with a policy file, at a dotted path such as <c>spec.bounds.minSeconds</c>.</summary>
public sealed record PolicyProblem(string Path, string Message)
{
    public override string ToString() => $"{Path}: {Message}";
}

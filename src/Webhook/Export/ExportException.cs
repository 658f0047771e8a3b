namespace DeadlineGuard.Export;

/// <summary>
/// A part of the policy that admission policies cannot express faithfully. The export refuses rather than
/// approximate; <see cref="Part"/> is the policy path (spec.overrides[1].namespaces[0]) or option named.
/// </summary>
public sealed class ExportException(string part, string problem) : Exception($"{part}: {problem}")
{
    public string Part { get; } = part;

    public string Problem { get; } = problem;
}

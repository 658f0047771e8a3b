namespace DeadlineGuard.Policy;

public sealed record Exemptions(string Annotation, IReadOnlyList<string> AllowedIn, IReadOnlyList<string> Namespaces);

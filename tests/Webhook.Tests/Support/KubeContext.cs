namespace DeadlineGuard.Tests.Support;

/// <summary>A context of <see cref="FakeKubeconfig"/>: its name, its namespace (none: the default one) and its user.</summary>
public sealed record KubeContext(string Name, string? Namespace = null, string User = "reader");

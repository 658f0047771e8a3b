namespace DeadlineGuard.Json;

/// <summary>What is wrong with a JSON text, in one line.</summary>
public sealed record JsonProblem(JsonProblemKind Kind, string Message);

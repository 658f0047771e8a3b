namespace DeadlineGuard.History;

/// <summary>A revision a write starts: what started it (<see cref="RevisionEntry.Create"/>, ...) and which revision it is.</summary>
public sealed record RevisionStart(string Trigger, string Fingerprint);

using System.Text.Json.Nodes;

namespace DeadlineGuard.Cli;

/// <summary>One document of an input: where it came from and its JSON tree.</summary>
public sealed record ManifestDocument(string Source, int Index, int Line, JsonNode? Root);

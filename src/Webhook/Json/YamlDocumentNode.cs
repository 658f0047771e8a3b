using System.Text.Json.Nodes;

namespace DeadlineGuard.Json;

/// <summary>One YAML document of a stream, converted to JSON, with the line it starts on.</summary>
public sealed record YamlDocumentNode(int Index, int Line, JsonNode? Root);

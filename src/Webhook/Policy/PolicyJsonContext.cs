using System.Text.Json.Serialization;

namespace DeadlineGuard.Policy;

/// <summary>
/// Reads a policy document into <see cref="PolicyDocument"/> without reflection. Names are the file's (camelCase,
/// matched exactly); an enum is read from its name; a whole number may be written 600, 600.0 or 6e2, as YAML and
/// <see cref="PolicySchema"/> allow; a field the types do not know is an error (the schema reports it first).
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UseStringEnumConverter = true,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    Converters = [typeof(WholeNumberConverter)])]
[JsonSerializable(typeof(PolicyDocument))]
internal sealed partial class PolicyJsonContext : JsonSerializerContext;

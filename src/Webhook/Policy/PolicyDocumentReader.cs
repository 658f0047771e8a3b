using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
using DeadlineGuard.Json;
using YamlDotNet.Core;

namespace DeadlineGuard.Policy;

/// <summary>
/// Turns a policy file (YAML or JSON) into a <see cref="DeadlinePolicy"/>: YAML within <see cref="YamlLimits.Policy"/>,
/// the shape by <see cref="PolicySchema"/> (policy.schema.json), the types by <see cref="PolicyJsonContext"/>, the
/// rules between fields by <see cref="DeadlinePolicyValidator"/>. Fields the file leaves out keep the built-in values;
/// wrong types, unknown fields and broken rules are all reported together, each by its path.
/// </summary>
public static class PolicyDocumentReader
{
    /// <summary>Built once: a FluentValidation validator is safe to share once built, and building it costs more than a check.</summary>
    private static readonly DeadlinePolicyValidator Rules = new();

    /// <summary>
    /// The text of a policy file, read within <see cref="YamlLimits.Policy"/>: a regular file (symbolic links
    /// followed) of at most 1 MiB of valid UTF-8. Throws <see cref="PolicyException"/> naming the problem.
    /// </summary>
    public static string ReadText(string path)
    {
        try
        {
            return InputFile.ReadText(path, YamlLimits.Policy.MaxBytes);
        }
        catch (FileNotFoundException)
        {
            throw Unreadable(path, "no such file");
        }
        catch (DirectoryNotFoundException)
        {
            throw Unreadable(path, "no such file (its folder does not exist)");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            throw Unreadable(path, e.Message);
        }
    }

    private static PolicyException Unreadable(string path, string reason) =>
        new(path, [new PolicyProblem("(file)", $"cannot be read: {reason}")]);

    /// <summary>Reads a file and parses it; <see cref="PolicyException"/> lists every problem.</summary>
    public static DeadlinePolicy ReadFile(string path) => Parse(ReadText(path), path);

    public static DeadlinePolicy Parse(string text, string source)
    {
        var problems = new List<PolicyProblem>();
        var policy = TryParse(text, problems);
        if (policy is null || problems.Count > 0)
        {
            throw new PolicyException(source, problems);
        }

        return policy;
    }

    /// <summary>Reads and validates; returns null (with problems) when the file cannot be used.</summary>
    public static DeadlinePolicy? TryParse(string text, List<PolicyProblem> problems)
    {
        JsonNode? root;
        try
        {
            var documents = YamlJson.ParseStream(text, YamlLimits.Policy);
            if (documents.Count != 1)
            {
                problems.Add(new PolicyProblem("(file)", $"must hold exactly one YAML document, found {documents.Count}"));
                return null;
            }

            root = documents[0].Root;
        }
        catch (YamlLimitException e)
        {
            problems.Add(new PolicyProblem("(file)", e.Start.Line > 0 ? $"refused at line {e.Start.Line}, column {e.Start.Column}: {e.Message}" : $"refused: {e.Message}"));
            return null;
        }
        catch (YamlException e)
        {
            problems.Add(new PolicyProblem("(file)", $"not valid YAML at line {e.Start.Line}, column {e.Start.Column}: {e.Message}"));
            return null;
        }

        if (root is not JsonObject document)
        {
            problems.Add(new PolicyProblem("(file)", $"must be a mapping with apiVersion, kind and spec, found {JsonValues.Describe(root)}"));
            return null;
        }

        var policy = Read(document, problems);
        if (policy is null)
        {
            return null;
        }

        var result = Rules.Validate(policy);
        foreach (var failure in result.Errors)
        {
            problems.Add(new PolicyProblem(failure.PropertyName, failure.ErrorMessage));
        }

        return problems.Count == 0 ? policy : null;
    }

    /// <summary>
    /// The document checked against <see cref="PolicySchema"/> and read into the policy types; null when its types are
    /// wrong. A document that only breaks a limit (a minimum, a pattern) is still read, so that the rules between
    /// fields are checked too and every problem is listed at once.
    /// </summary>
    private static DeadlinePolicy? Read(JsonObject document, List<PolicyProblem> problems)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            document.WriteTo(writer);
        }

        using var json = JsonDocument.Parse(buffer.WrittenMemory);
        if (!PolicySchema.Check(json.RootElement, problems))
        {
            return null;
        }

        try
        {
            return json.RootElement.Deserialize(PolicyJsonContext.Default.PolicyDocument)!.ToPolicy();
        }
        catch (JsonException e)
        {
            // The schema admits nothing the types refuse (a test holds them together); should they part, say so.
            problems.Add(new PolicyProblem(e.Path is { Length: > 1 } at ? at[2..] : "(file)", $"cannot be read: {e.Message}"));
            return null;
        }
    }
}

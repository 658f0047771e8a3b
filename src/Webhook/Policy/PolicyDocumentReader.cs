using System.Text.Json.Nodes;
using DeadlineGuard.Json;
using YamlDotNet.Core;

namespace DeadlineGuard.Policy;

/// <summary>
/// Turns a policy file (YAML or JSON) into a <see cref="DeadlinePolicy"/>. Fields the file leaves out
/// keep the built-in values; wrong types, unknown fields and broken rules are all reported together.
/// </summary>
public static class PolicyDocumentReader
{
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

        var policy = Read(new JsonFieldReader(document, string.Empty, problems));
        if (problems.Count > 0)
        {
            return null;
        }

        var result = new DeadlinePolicyValidator().Validate(policy);
        foreach (var failure in result.Errors)
        {
            problems.Add(new PolicyProblem(failure.PropertyName, failure.ErrorMessage));
        }

        return problems.Count == 0 ? policy : null;
    }

    private static DeadlinePolicy Read(JsonFieldReader root)
    {
        var builtIn = DeadlinePolicy.BuiltIn;
        var apiVersion = root.OptionalString("apiVersion");
        var kind = root.OptionalString("kind");
        if (apiVersion != DeadlinePolicy.ApiVersion)
        {
            root.Report("apiVersion", $"must be {DeadlinePolicy.ApiVersion}, found {(apiVersion is null ? "nothing" : $"\"{apiVersion}\"")}");
        }

        if (kind != DeadlinePolicy.Kind)
        {
            root.Report("kind", $"must be {DeadlinePolicy.Kind}, found {(kind is null ? "nothing" : $"\"{kind}\"")}");
        }

        _ = root.Object("metadata"); // allowed for tooling (name, labels); not used
        var spec = root.Object("spec");
        root.RejectUnknown();
        if (spec is null)
        {
            return builtIn;
        }

        var defaults = spec.Object("defaults");
        var bounds = spec.Object("bounds");
        var exemptions = spec.Object("exemptions");
        var history = spec.Object("history");
        var pauses = spec.Object("pauses");
        var pitfalls = spec.Object("pitfalls");
        var policy = new DeadlinePolicy(
            Inject: spec.Bool("inject", builtIn.Inject),
            Defaults: new DeadlineDefaults(
                defaults?.Int("progressDeadlineSeconds", builtIn.Defaults.ProgressDeadlineSeconds) ?? builtIn.Defaults.ProgressDeadlineSeconds,
                defaults?.Bool("progressDeadlineAbort", builtIn.Defaults.ProgressDeadlineAbort) ?? builtIn.Defaults.ProgressDeadlineAbort),
            Bounds: new DeadlineBounds(
                bounds?.Int("minSeconds", builtIn.Bounds.MinSeconds) ?? builtIn.Bounds.MinSeconds,
                bounds?.Int("maxSeconds", builtIn.Bounds.MaxSeconds) ?? builtIn.Bounds.MaxSeconds),
            RequireAbort: spec.Bool("requireAbort", builtIn.RequireAbort),
            Action: spec.OptionalEnum<PolicyAction>("action") ?? builtIn.Action,
            Exemptions: new Exemptions(
                exemptions?.String("annotation", builtIn.Exemptions.Annotation) ?? builtIn.Exemptions.Annotation,
                exemptions?.StringList("allowedIn", builtIn.Exemptions.AllowedIn) ?? builtIn.Exemptions.AllowedIn,
                exemptions?.StringList("namespaces", builtIn.Exemptions.Namespaces) ?? builtIn.Exemptions.Namespaces),
            Overrides: spec.ObjectList("overrides").Select(ReadOverride).ToList(),
            History: new HistoryOptions(history?.Int("limit", builtIn.History.Limit) ?? builtIn.History.Limit),
            Pauses: new PauseOptions(
                pauses?.Int("maxSeconds", builtIn.Pauses.MaxSeconds) ?? builtIn.Pauses.MaxSeconds,
                pauses?.Bool("abort", builtIn.Pauses.Abort) ?? builtIn.Pauses.Abort),
            Pitfalls: new PitfallOptions(pitfalls?.StringList("ignore", builtIn.Pitfalls.Ignore) ?? builtIn.Pitfalls.Ignore));
        defaults?.RejectUnknown();
        bounds?.RejectUnknown();
        exemptions?.RejectUnknown();
        history?.RejectUnknown();
        pauses?.RejectUnknown();
        pitfalls?.RejectUnknown();
        spec.RejectUnknown();
        return policy;
    }

    private static PolicyOverride ReadOverride(JsonFieldReader item)
    {
        var bounds = item.Object("bounds");
        var defaults = item.Object("defaults");
        var pauses = item.Object("pauses");
        var rule = new PolicyOverride(
            Namespaces: item.OptionalStringList("namespaces") ?? [],
            Action: item.OptionalEnum<PolicyAction>("action"),
            MinSeconds: bounds?.OptionalInt("minSeconds"),
            MaxSeconds: bounds?.OptionalInt("maxSeconds"),
            DefaultSeconds: defaults?.OptionalInt("progressDeadlineSeconds"),
            DefaultAbort: defaults?.OptionalBool("progressDeadlineAbort"),
            RequireAbort: item.OptionalBool("requireAbort"),
            Inject: item.OptionalBool("inject"),
            PauseMaxSeconds: pauses?.OptionalInt("maxSeconds"),
            PauseAbort: pauses?.OptionalBool("abort"));
        bounds?.RejectUnknown();
        defaults?.RejectUnknown();
        pauses?.RejectUnknown();
        item.RejectUnknown();
        return rule;
    }
}

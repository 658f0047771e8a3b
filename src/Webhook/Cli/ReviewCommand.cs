using System.Text.Json;
using System.Text.Json.Nodes;
using DeadlineGuard.Admission;
using DeadlineGuard.Json;
using DeadlineGuard.Policy;

namespace DeadlineGuard.Cli;

/// <summary>
/// <c>webhook review PATH...</c>: the admission engine offline, for CI pipelines. Each Rollout is mutated
/// and then validated exactly as the API server would call the two endpoints.
/// </summary>
public static class ReviewCommand
{
    public const string Help = """
        Usage: webhook review [--policy FILE] [--output text|json] [--namespace NS] PATH...

        Evaluates Rollout manifests offline under a policy and prints, per Rollout, the verdict, the
        violations, the warnings and the patch the webhook would apply. Other kinds are skipped.

        PATH        a YAML or JSON file (multi-document, or a kind: List), a directory (searched
                    recursively for *.yaml, *.yml, *.json), or - for stdin
        Options:
          --policy FILE         policy file (default: the built-in policy)
          --output, -o FORMAT   text (default) or json
          --namespace, -n NS    namespace for manifests that name none (default: default)

        Exit codes: 0 all allowed, 1 any denied, 2 usage error or unreadable input.
        """;

    private sealed record Options(string? Policy, bool Json, string Namespace, IReadOnlyList<string> Paths);

    private sealed record Result(ManifestDocument Document, string Namespace, string Name, AdmissionDecision Mutation, AdmissionDecision Validation)
    {
        public string Verdict => Validation.Outcome switch
        {
            Outcome.Denied => "denied",
            Outcome.Warned => "warned",
            Outcome.Audited => "audited",
            Outcome.Exempt => "exempt",
            Outcome.Error => "error",
            _ => "allowed",
        };

        public IEnumerable<string> Warnings => Mutation.Warnings.Concat(Validation.Warnings).Distinct();
    }

    public static async Task<int> RunAsync(string[] args, TextReader stdin, TextWriter stdout, TextWriter stderr)
    {
        if (args.Any(a => a is "--help" or "-h"))
        {
            await stdout.WriteLineAsync(Help);
            return Commands.Ok;
        }

        if (ParseOptions(args, out var usageError) is not { } options)
        {
            await stderr.WriteLineAsync($"webhook review: {usageError}");
            await stderr.WriteLineAsync(Help);
            return Commands.Usage;
        }

        DeadlinePolicy policy;
        try
        {
            policy = options.Policy is null ? DeadlinePolicy.BuiltIn : PolicyDocumentReader.Parse(await ReadPolicy(options.Policy), options.Policy);
        }
        catch (PolicyException e)
        {
            await stderr.WriteLineAsync($"webhook review: {e.Message}");
            return Commands.Usage;
        }

        var problems = new List<string>();
        var documents = ManifestReader.Read(options.Paths, stdin, problems);
        var decider = new AdmissionDecider();
        var results = new List<Result>();
        var skipped = 0;
        foreach (var document in documents)
        {
            if (document.Root is not JsonObject obj || JsonValues.GetString(obj["kind"]) != "Rollout"
                || JsonValues.GetString(obj["apiVersion"]) is not { } apiVersion || !apiVersion.StartsWith("argoproj.io/", StringComparison.Ordinal))
            {
                skipped++;
                continue;
            }

            var ns = JsonValues.GetString(JsonValues.At(obj, "metadata", "namespace")) ?? options.Namespace;
            var name = JsonValues.GetString(JsonValues.At(obj, "metadata", "name")) ?? JsonValues.GetString(JsonValues.At(obj, "metadata", "generateName")) ?? "(unnamed)";
            var (mutation, validation) = decider.Review(obj, ns, name, policy);
            results.Add(new Result(document, ns, name, mutation, validation));
        }

        if (options.Json)
        {
            await stdout.WriteLineAsync(ToJson(results, skipped, problems, options.Policy).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        }
        else
        {
            await WriteText(stdout, results, skipped);
        }

        foreach (var problem in problems)
        {
            await stderr.WriteLineAsync($"webhook review: {problem}");
        }

        return problems.Count > 0 ? Commands.Usage : results.Any(r => !r.Validation.Allowed) ? Commands.Denied : Commands.Ok;
    }

    private static async Task<string> ReadPolicy(string path)
    {
        try
        {
            return await File.ReadAllTextAsync(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new PolicyException(path, [new PolicyProblem("(file)", $"cannot be read: {e.Message}")]);
        }
    }

    private static Options? ParseOptions(string[] args, out string error)
    {
        string? policy = null;
        var json = false;
        var ns = "default";
        var paths = new List<string>();
        error = string.Empty;
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            string? Value()
            {
                var equals = arg.IndexOf('=', StringComparison.Ordinal);
                if (equals > 0 && arg.StartsWith("--", StringComparison.Ordinal))
                {
                    return arg[(equals + 1)..];
                }

                return i + 1 < args.Length ? args[++i] : null;
            }

            var flag = arg.StartsWith("--", StringComparison.Ordinal) && arg.Contains('=', StringComparison.Ordinal) ? arg[..arg.IndexOf('=', StringComparison.Ordinal)] : arg;
            switch (flag)
            {
                case "--policy":
                    policy = Value();
                    if (policy is null)
                    {
                        error = "--policy needs a file";
                        return null;
                    }

                    break;
                case "--output" or "-o":
                    var format = Value();
                    if (format is not ("text" or "json"))
                    {
                        error = $"--output must be text or json, found {(format is null ? "nothing" : $"'{format}'")}";
                        return null;
                    }

                    json = format == "json";
                    break;
                case "--namespace" or "-n":
                    ns = Value() ?? string.Empty;
                    if (ns.Length == 0)
                    {
                        error = "--namespace needs a name";
                        return null;
                    }

                    break;
                default:
                    if (arg.StartsWith('-') && arg != "-")
                    {
                        error = $"unknown option '{arg}'";
                        return null;
                    }

                    paths.Add(arg);
                    break;
            }
        }

        if (paths.Count == 0)
        {
            error = "no PATH given (use - to read stdin)";
            return null;
        }

        return new Options(policy, json, ns, paths);
    }

    private static async Task WriteText(TextWriter output, List<Result> results, int skipped)
    {
        foreach (var result in results)
        {
            var where = $"{result.Document.Source}, document {result.Document.Index}, line {result.Document.Line}";
            await output.WriteLineAsync($"{result.Verdict.ToUpperInvariant(),-8} Rollout {result.Namespace}/{result.Name}  ({where})");
            foreach (var violation in result.Validation.Violations)
            {
                await output.WriteLineAsync($"  violation: {violation.Message}");
            }

            foreach (var warning in result.Warnings)
            {
                await output.WriteLineAsync($"  warning:   {warning}");
            }

            foreach (var (key, value) in result.Validation.AuditAnnotations)
            {
                await output.WriteLineAsync($"  audit:     {key}: {value}");
            }

            foreach (var operation in result.Mutation.Patch)
            {
                await output.WriteLineAsync($"  patch:     {operation.Op} {operation.Path} {operation.Value?.ToJsonString()}".TrimEnd());
            }
        }

        var counts = string.Join(", ", results.GroupBy(r => r.Verdict).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Count()} {g.Key}"));
        await output.WriteLineAsync(results.Count == 0
            ? $"No Rollouts found ({skipped} other documents skipped)."
            : $"{results.Count} Rollout{(results.Count == 1 ? string.Empty : "s")} reviewed: {counts}; {skipped} other documents skipped.");
    }

    private static JsonObject ToJson(List<Result> results, int skipped, List<string> problems, string? policy)
    {
        var items = new JsonArray();
        foreach (var result in results)
        {
            var violations = new JsonArray();
            foreach (var v in result.Validation.Violations)
            {
                violations.Add(new JsonObject { ["field"] = v.Field, ["found"] = v.Found, ["required"] = v.Required, ["message"] = v.Message });
            }

            var audit = new JsonObject();
            foreach (var (key, value) in result.Validation.AuditAnnotations)
            {
                audit[key] = value;
            }

            items.Add(new JsonObject
            {
                ["source"] = result.Document.Source,
                ["document"] = result.Document.Index,
                ["line"] = result.Document.Line,
                ["namespace"] = result.Namespace,
                ["name"] = result.Name,
                ["verdict"] = result.Verdict,
                ["allowed"] = result.Validation.Allowed,
                ["violations"] = violations,
                ["warnings"] = new JsonArray(result.Warnings.Select(w => (JsonNode?)JsonValue.Create(w)).ToArray()),
                ["auditAnnotations"] = audit,
                ["patch"] = JsonPatch.ToJson(result.Mutation.Patch),
            });
        }

        return new JsonObject
        {
            ["policy"] = policy ?? "built-in",
            ["results"] = items,
            ["summary"] = new JsonObject
            {
                ["rollouts"] = results.Count,
                ["allowed"] = results.Count(r => r.Validation.Allowed),
                ["denied"] = results.Count(r => !r.Validation.Allowed),
                ["skippedDocuments"] = skipped,
            },
            ["errors"] = new JsonArray(problems.Select(p => (JsonNode?)JsonValue.Create(p)).ToArray()),
        };
    }
}

using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using DeadlineGuard.Admission;
using DeadlineGuard.Json;
using DeadlineGuard.Pitfalls;
using DeadlineGuard.Policy;

namespace DeadlineGuard.Cli;

/// <summary>
/// <c>webhook review PATH...</c>: the admission engine offline, for CI pipelines. Each Rollout is mutated
/// and then validated exactly as the API server would call the two endpoints.
/// </summary>
public static class ReviewCommand
{
    public const string Name = "review";

    private sealed record Options(string? Policy, bool Json, string Namespace, IReadOnlyList<string> Paths);

    private sealed record Result(ManifestDocument Document, string Namespace, string Name, AdmissionDecision Mutation, AdmissionDecision Validation)
    {
        /// <summary>The validation's outcome in the words of the metrics and the decision log (it never patches).</summary>
        public string Verdict => OutcomeLabel.Of(Validation.Outcome);

        public IEnumerable<string> Warnings => Mutation.Warnings.Concat(Validation.Warnings).Distinct();

        /// <summary>Every pitfall found (no "and N more": review explains each), with what was ignored and not judged.</summary>
        public PitfallReport Pitfalls => Validation.Pitfalls;
    }

    private static string ReasonText(SuppressionReason reason) => reason switch
    {
        SuppressionReason.IgnoredByPolicy => "ignored by the policy",
        SuppressionReason.IgnoredByAnnotation => $"ignored by the annotation {PitfallDetector.IgnoreAnnotation}",
        _ => "covered by the reconciler",
    };

    private static string Key(SuppressionReason reason) => reason switch
    {
        SuppressionReason.IgnoredByPolicy => "policy",
        SuppressionReason.IgnoredByAnnotation => "annotation",
        _ => "reconciler",
    };

    public static DocumentedCommand Create(CommandContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var policy = CliOptions.Policy("policy file (default: the built-in policy)");
        var output = CliOptions.Output("text", "json");
        var ns = CliOptions.Text("--namespace", "NS", "namespace for manifests that name none (default: default)", "-n");
        var paths = new Argument<string[]>("PATH")
        {
            Arity = ArgumentArity.OneOrMore,
            Description = """
                a YAML or JSON file (multi-document, or a kind: List), a directory (searched
                recursively for *.yaml, *.yml, *.json; links to directories are not followed),
                or - for stdin. Each file or stdin may hold up to 16 MiB; only regular files are read.
                """,
        };
        var command = new DocumentedCommand(Name, "evaluate Rollout manifests offline under a policy (files, directories, - for stdin)")
        {
            Details = """
                Prints, per Rollout, the verdict, the violations, the warnings and the patch the webhook would
                apply, as the API server would get them from /mutate and then /validate, and every pitfall found
                (docs/pitfalls.md) with its id, severity and explanation, including those a reconciler would
                cover (review cannot know whether one runs). Other kinds are skipped.
                """,
            Notes = "Exit codes: 0 all allowed, 1 any denied, 2 usage error or unreadable input.",
        };
        command.Options.Add(policy);
        command.Options.Add(output);
        command.Options.Add(ns);
        command.Arguments.Add(paths);
        command.SetAction(parse => RunAsync(
            new Options(parse.GetValue(policy), parse.GetValue(output) == "json", parse.GetValue(ns) ?? "default", parse.GetValue(paths)!),
            context.In,
            context.Out,
            context.Error,
            context.Named(Name)));
        return command;
    }

    private static async Task<int> RunAsync(Options options, TextReader stdin, TextWriter stdout, TextWriter stderr, string named)
    {
        DeadlinePolicy policy;
        try
        {
            policy = options.Policy is null ? DeadlinePolicy.BuiltIn : PolicyDocumentReader.ReadFile(options.Policy);
        }
        catch (PolicyException e)
        {
            await stderr.WriteLineAsync($"{named}: {e.Message}");
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
            await stderr.WriteLineAsync($"{named}: {problem}");
        }

        return problems.Count > 0 ? Commands.Usage : results.Any(r => !r.Validation.Allowed) ? Commands.Denied : Commands.Ok;
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

            foreach (var finding in result.Pitfalls.Findings)
            {
                await output.WriteLineAsync($"  pitfall:   {finding.Id} ({PitfallSeverityName.Of(finding.Severity)}) {finding.Explanation}");
            }

            foreach (var suppressed in result.Pitfalls.Suppressed)
            {
                await output.WriteLineAsync($"  ignored:   {suppressed.Finding.Id} ({PitfallSeverityName.Of(suppressed.Finding.Severity)}), {ReasonText(suppressed.Reason)}");
            }

            foreach (var note in result.Pitfalls.Notes)
            {
                await output.WriteLineAsync($"  note:      {note}");
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

            var pitfalls = new JsonArray();
            foreach (var finding in result.Pitfalls.Findings)
            {
                pitfalls.Add(new JsonObject
                {
                    ["id"] = finding.Id,
                    ["severity"] = PitfallSeverityName.Of(finding.Severity),
                    ["warning"] = finding.Warning,
                    ["explanation"] = finding.Explanation,
                });
            }

            var ignored = new JsonArray();
            foreach (var suppressed in result.Pitfalls.Suppressed)
            {
                ignored.Add(new JsonObject
                {
                    ["id"] = suppressed.Finding.Id,
                    ["severity"] = PitfallSeverityName.Of(suppressed.Finding.Severity),
                    ["reason"] = Key(suppressed.Reason),
                });
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
                ["pitfalls"] = pitfalls,
                ["ignoredPitfalls"] = ignored,
                ["pitfallNotes"] = new JsonArray(result.Pitfalls.Notes.Select(n => (JsonNode?)JsonValue.Create(n)).ToArray()),
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

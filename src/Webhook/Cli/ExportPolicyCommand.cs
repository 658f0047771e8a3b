using DeadlineGuard.Export;
using DeadlineGuard.Policy;

namespace DeadlineGuard.Cli;

/// <summary>
/// <c>webhook export-policy</c>: the policy as ValidatingAdmissionPolicy and MutatingAdmissionPolicy objects on
/// stdout, for clusters that run no webhook. All the work is <see cref="AdmissionPolicyExporter"/>; this reads the
/// arguments and the policy file and writes the result.
/// </summary>
public static class ExportPolicyCommand
{
    public const string Help = """
        Usage: webhook export-policy [--policy FILE] [--format vap|map|all] [--api-version v1|v1beta1] [options]

        Prints the policy as Kubernetes admission policies (multi-document YAML) that the API server enforces
        without the webhook: ValidatingAdmissionPolicies and bindings for the rules, the actions and the
        exemptions, and a MutatingAdmissionPolicy and binding that injects missing fields. A header comment says
        what the export cannot do (revision history, the reconciler, pitfall warnings, the pause limit).

          webhook export-policy --policy policy.yaml | kubectl apply -f -

        Options:
          --policy FILE                       policy file (default: the built-in policy)
          --format vap|map|all                which policies to write (default all)
          --api-version v1|v1beta1            MutatingAdmissionPolicy version: v1 (Kubernetes 1.36+, default) or
                                              v1beta1 (1.34 and 1.35, with the MutatingAdmissionPolicy feature gate)
          --name-prefix PREFIX                start of every object's name (default rollout-deadline-guard)
          --controller-service-account USER   requests of this user are skipped, as the chart skips them
                                              (default system:serviceaccount:argo-rollouts:argo-rollouts)
          --exclude-namespaces LIST           comma-separated namespaces no policy sees, as the chart's
                                              namespaceSelector (default kube-system,kube-node-lease; "" for none)
          --opt-out-label KEY                 namespaces labelled KEY=true are not seen (default
                                              deadline-guard.io/ignore; "" for none)

        Exit codes: 0 written, 2 usage error, a policy file that cannot be read or is invalid, or a policy the
        export cannot express faithfully (one line names the part).
        """;

    private const string Name = "webhook export-policy";

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (args.Any(a => a is "--help" or "-h"))
        {
            await stdout.WriteLineAsync(Help);
            return Commands.Ok;
        }

        if (Parse(args, out var policyFile, out var error) is not { } options)
        {
            await stderr.WriteLineAsync($"{Name}: {error} (see {Name} --help)");
            return Commands.Usage;
        }

        DeadlinePolicy policy;
        try
        {
            policy = policyFile is null ? DeadlinePolicy.BuiltIn : PolicyDocumentReader.ReadFile(policyFile);
        }
        catch (PolicyException e)
        {
            await stderr.WriteLineAsync($"{Name}: {e.Message}");
            return Commands.Usage;
        }

        string yaml;
        try
        {
            yaml = AdmissionPolicyExporter.Export(policy, options).ToYaml();
        }
        catch (ExportException e)
        {
            await stderr.WriteLineAsync($"{Name}: cannot export {e.Part} faithfully: {e.Problem}");
            return Commands.Usage;
        }

        await stdout.WriteAsync(yaml);
        return Commands.Ok;
    }

    /// <summary>The options, or null with <paramref name="error"/> saying what is wrong. Takes --flag VALUE and --flag=VALUE.</summary>
    public static ExportOptions? Parse(string[] args, out string? policyFile, out string error)
    {
        var options = new ExportOptions();
        policyFile = null;
        error = string.Empty;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            var equals = arg.IndexOf('=', StringComparison.Ordinal);
            var flag = arg.StartsWith("--", StringComparison.Ordinal) && equals > 0 ? arg[..equals] : arg;
            if (!flag.StartsWith("--", StringComparison.Ordinal))
            {
                error = $"unexpected argument '{arg}'";
                return null;
            }

            if (!seen.Add(flag))
            {
                error = $"{flag} is given twice";
                return null;
            }

            string? value = equals > 0 && flag.Length < arg.Length ? arg[(equals + 1)..] : i + 1 < args.Length ? args[++i] : null;
            if (value is null)
            {
                error = $"{flag} needs a value";
                return null;
            }

            switch (flag)
            {
                case "--policy" when value.Length == 0:
                    error = "--policy needs a file name";
                    return null;
                case "--policy":
                    policyFile = value;
                    break;
                case "--format":
                    ExportFormat? format = value switch { "vap" => ExportFormat.Vap, "map" => ExportFormat.Map, "all" => ExportFormat.All, _ => null };
                    if (format is null)
                    {
                        error = $"--format: '{value}' is not vap, map or all";
                        return null;
                    }

                    options = options with { Format = format.Value };
                    break;
                case "--api-version":
                    MutatingPolicyVersion? version = value switch { "v1" => MutatingPolicyVersion.V1, "v1beta1" => MutatingPolicyVersion.V1Beta1, _ => null };
                    if (version is null)
                    {
                        error = $"--api-version: '{value}' is not v1 or v1beta1";
                        return null;
                    }

                    options = options with { MutatingVersion = version.Value };
                    break;
                case "--name-prefix":
                    options = options with { NamePrefix = value };
                    break;
                case "--controller-service-account":
                    options = options with { ControllerServiceAccount = value };
                    break;
                case "--exclude-namespaces":
                    options = options with { ExcludedNamespaces = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) };
                    break;
                case "--opt-out-label":
                    options = options with { OptOutLabel = value };
                    break;
                default:
                    error = $"unknown option '{flag}'";
                    return null;
            }
        }

        return policyFile is null ? options : options with { PolicySource = policyFile };
    }
}

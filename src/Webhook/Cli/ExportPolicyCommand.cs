using System.CommandLine;
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
    public const string Name = "export-policy";

    public static DocumentedCommand Create(CommandContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var policy = CliOptions.Policy("policy file (default: the built-in policy)");
        var format = CliOptions.Choice(CliOptions.Text("--format", "FORMAT", "which policies to write: vap, map or all (default all)"), "all", "vap", "map");
        var apiVersion = CliOptions.Choice(
            CliOptions.Text("--api-version", "VERSION", "MutatingAdmissionPolicy version: v1 (Kubernetes 1.36+, default) or v1beta1 (1.34 and 1.35, with the MutatingAdmissionPolicy feature gate)"),
            "v1", "v1beta1");
        var defaults = new ExportOptions();
        var prefix = CliOptions.Text("--name-prefix", "PREFIX", $"start of every object's name (default {defaults.NamePrefix})");
        var controller = CliOptions.Text("--controller-service-account", "USER", $"requests of this user are skipped, as the chart skips them (default {defaults.ControllerServiceAccount})");
        var excluded = CliOptions.Text("--exclude-namespaces", "LIST", $"comma-separated namespaces no policy sees, as the chart's namespaceSelector (default {string.Join(',', defaults.ExcludedNamespaces)}; \"\" for none)");
        var optOut = CliOptions.Text("--opt-out-label", "KEY", $"namespaces labelled KEY=true are not seen (default {defaults.OptOutLabel}; \"\" for none)");
        var command = new DocumentedCommand(Name, "print the policy as ValidatingAdmissionPolicy and MutatingAdmissionPolicy YAML")
        {
            Details = """
                Prints the policy as Kubernetes admission policies (multi-document YAML) that the API server enforces
                without the webhook: ValidatingAdmissionPolicies and bindings for the rules, the actions and the
                exemptions, and a MutatingAdmissionPolicy and binding that injects missing fields. A header comment says
                what the export cannot do (revision history, the reconciler, pitfall warnings, the pause limit).

                  webhook export-policy --policy policy.yaml | kubectl apply -f -
                """,
            Notes = """
                Exit codes: 0 written, 2 usage error, a policy file that cannot be read or is invalid, or a policy the
                export cannot express faithfully (one line names the part).
                """,
        };
        foreach (var option in new Option[] { policy, format, apiVersion, prefix, controller, excluded, optOut })
        {
            command.Options.Add(option);
        }

        command.SetAction(parse =>
        {
            var options = defaults with
            {
                Format = parse.GetValue(format) switch { "vap" => ExportFormat.Vap, "map" => ExportFormat.Map, _ => ExportFormat.All },
                MutatingVersion = parse.GetValue(apiVersion) == "v1beta1" ? MutatingPolicyVersion.V1Beta1 : MutatingPolicyVersion.V1,
            };
            options = parse.GetValue(prefix) is { } p ? options with { NamePrefix = p } : options;
            options = parse.GetValue(controller) is { } c ? options with { ControllerServiceAccount = c } : options;
            options = parse.GetValue(excluded) is { } e ? options with { ExcludedNamespaces = e.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) } : options;
            options = parse.GetValue(optOut) is { } o ? options with { OptOutLabel = o } : options;
            return RunAsync(parse.GetValue(policy), options, context.Out, context.Error, context.Named(Name));
        });
        return command;
    }

    private static async Task<int> RunAsync(string? policyFile, ExportOptions options, TextWriter stdout, TextWriter stderr, string named)
    {
        if (policyFile is { Length: 0 })
        {
            await stderr.WriteLineAsync($"{named}: --policy needs a file name (see '{named} --help')");
            return Commands.Usage;
        }

        DeadlinePolicy policy;
        try
        {
            policy = policyFile is null ? DeadlinePolicy.BuiltIn : PolicyDocumentReader.ReadFile(policyFile);
        }
        catch (PolicyException e)
        {
            await stderr.WriteLineAsync($"{named}: {e.Message}");
            return Commands.Usage;
        }

        string yaml;
        try
        {
            yaml = AdmissionPolicyExporter.Export(policy, policyFile is null ? options : options with { PolicySource = policyFile }).ToYaml();
        }
        catch (ExportException e)
        {
            await stderr.WriteLineAsync($"{named}: cannot export {e.Part} faithfully: {e.Problem}");
            return Commands.Usage;
        }

        await stdout.WriteAsync(yaml);
        return Commands.Ok;
    }
}

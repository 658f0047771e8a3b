using System.CommandLine;
using DeadlineGuard.ClusterAccess;
using DeadlineGuard.Policy;

namespace DeadlineGuard.Cli;

/// <summary>
/// <c>webhook status</c>: every Rollout's deadline in force, progress clock, due time and verdict, read from the cluster
/// as kubectl reads it and judged by the reconciler's own judge under the policy; what the reconciler would abort now.
/// </summary>
public static class StatusCommand
{
    public const string Name = "status";

    /// <summary>The reconciler's default (Reconciler:GraceSeconds).</summary>
    public const int DefaultGraceSeconds = 30;

    private sealed record Options(string? Namespace, bool AllNamespaces, string? Selector, string Output, bool FailOnExceeded, string? Policy, int GraceSeconds);

    public static DocumentedCommand Create(CommandContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var cluster = new ClusterOptions();
        var all = new Option<bool>("--all-namespaces", "-A") { Description = "every namespace (instead of -n)" };
        var selector = CliOptions.Text("--selector", "SELECTOR", "only Rollouts with these labels (key=value,key!=value,key; applied by the API server, as kubectl -l)", "-l");
        var output = CliOptions.Output("table", "wide", "json");
        var failOn = CliOptions.Text("--fail-on", "exceeded", "exit 1 when any Rollout is past its deadline or its pause limit (plus grace): what the reconciler would act on now");
        failOn.Validators.Add(result =>
        {
            if (result.Tokens.Count > 0 && result.Tokens[^1].Value is var value && value != "exceeded")
            {
                result.AddError($"--fail-on must be exceeded, found '{value}'");
            }
        });
        var policy = CliOptions.Policy("policy file (default: the built-in policy); the chart's is the ConfigMap FULLNAME-policy, key policy.yaml");
        var grace = CliOptions.WholeNumber("--grace-seconds", "seconds", $"the reconciler's Reconciler:GraceSeconds (default {DefaultGraceSeconds}, as the chart's reconciler.graceSeconds)");
        var command = new DocumentedCommand(Name, "every Rollout's deadline in force, progress clock, due time and verdict, as the reconciler judges it now")
        {
            Details = """
                Lists the Rollouts of the namespace (-n, else the kubeconfig context's) or of every namespace (-A)
                through the kubeconfig, as kubectl does, and judges each with the reconciler's own judge under the
                policy: idle (left alone, and why), waiting (progressing within its deadline, due when) or exceeded
                (past its deadline and the grace: the reconciler aborts it, or reports it when its
                progressDeadlineAbort is not true). A paused Rollout is judged by the policy's pause limit
                (pauses.maxSeconds) instead, shown in PAUSE-LIMIT: off, not-counted, counting, exceeded or unreadable.
                Also shows each Rollout's pitfalls (docs/pitfalls.md) under the policy.
                -o wide adds the history entry of the current revision and its images; -o json is stable, see
                docs/status.md. DEADLINE is the one in force; a * marks Argo's default (600s, spec unset).
                """,
            Notes = """
                Exit codes: 0 printed; 1 with --fail-on exceeded when any Rollout is past its deadline or pause
                limit; 2 usage error, bad policy file, or the cluster could not be read (unreachable, forbidden, no
                Rollout CRD; one line on stderr says which).
                """,
        };
        cluster.AddTo(command);
        command.Options.Add(all);
        command.Options.Add(selector);
        command.Options.Add(output);
        command.Options.Add(failOn);
        command.Options.Add(policy);
        command.Options.Add(grace);
        command.SetAction((parse, cancellationToken) => RunAsync(
            parse,
            cluster,
            new Options(
                parse.GetValue(cluster.Namespace),
                parse.GetValue(all),
                parse.GetValue(selector),
                parse.GetValue(output)!,
                parse.GetValue(failOn) is not null,
                parse.GetValue(policy),
                parse.GetValue(grace) ?? DefaultGraceSeconds),
            context,
            cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(ParseResult parse, ClusterOptions cluster, Options options, CommandContext context, CancellationToken cancellationToken)
    {
        var named = context.Named(Name);
        if (options.AllNamespaces && options.Namespace is not null)
        {
            return await Usage(context, named, "-n and -A exclude each other: give a namespace or ask for all");
        }

        if (options.GraceSeconds is < 0 or > 86_400)
        {
            return await Usage(context, named, $"--grace-seconds must be from 0 to 86400, found {options.GraceSeconds}");
        }

        if (options.Policy is { Length: 0 } || options.Selector is { Length: 0 })
        {
            return await Usage(context, named, options.Policy is { Length: 0 } ? "--policy needs a file name" : "--selector needs a label selector");
        }

        DeadlinePolicy policy;
        try
        {
            policy = options.Policy is null ? DeadlinePolicy.BuiltIn : PolicyDocumentReader.ReadFile(options.Policy);
        }
        catch (PolicyException e)
        {
            await context.Error.WriteLineAsync($"{named}: {e.Message}");
            return Commands.Usage;
        }

        List<RolloutStatus> rollouts;
        string? scope;
        DateTimeOffset now;
        try
        {
            using var connection = cluster.Connect(parse, context);
            scope = options.AllNamespaces ? null : connection.Namespace;
            var reader = new StatusReader(connection, policy, details: options.Output != "table");
            var listed = await reader.ReadAsync(scope, options.Selector, cancellationToken);
            now = context.Time.GetUtcNow();
            rollouts = [.. listed
                .Select(r => RolloutStatus.Of(r.Rollout, r.Details, policy, now, options.GraceSeconds))
                .OrderBy(r => r.Namespace, StringComparer.Ordinal)
                .ThenBy(r => r.Name, StringComparer.Ordinal)];
            if (reader.Skipped > 0)
            {
                await context.Error.WriteLineAsync($"{named}: skipped {reader.Skipped} Rollout{(reader.Skipped == 1 ? string.Empty : "s")} that could not be read; the first: {reader.FirstProblem}");
            }
        }
        catch (KubernetesAccessException e)
        {
            await context.Error.WriteLineAsync($"{named}: {e.Message}");
            return Commands.Usage;
        }

        if (options.Output == "json")
        {
            await context.Out.WriteAsync(StatusOutput.Json(rollouts, now, new StatusOutput.Scope(scope, options.Selector, options.Policy ?? "built-in", options.GraceSeconds)));
        }
        else if (rollouts.Count == 0)
        {
            await context.Error.WriteLineAsync(scope is null ? "No Rollouts found." : $"No Rollouts found in namespace {scope}.");
        }
        else
        {
            await context.Out.WriteAsync(StatusOutput.Table(rollouts, now, allNamespaces: scope is null, wide: options.Output == "wide"));
        }

        return options.FailOnExceeded && rollouts.Any(r => r.Exceeded) ? Commands.Failed : Commands.Ok;
    }

    private static async Task<int> Usage(CommandContext context, string named, string problem)
    {
        await context.Error.WriteLineAsync($"{named}: {problem} (see '{named} --help')");
        return Commands.Usage;
    }
}

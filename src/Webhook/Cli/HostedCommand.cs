using System.CommandLine;
using System.Runtime.InteropServices;
using DeadlineGuard.Hosting;

namespace DeadlineGuard.Cli;

/// <summary>
/// What <c>serve</c> and <c>reconcile</c> share: they run an ASP.NET Core host configured by .NET configuration, so
/// besides <c>--policy</c> and <c>--urls</c> they take any <c>--Section:Key=value</c> setting, passed through untouched.
/// </summary>
public static class HostedCommand
{
    public static DocumentedCommand Create(
        string name,
        string summary,
        string details,
        string notes,
        string defaultUrl,
        Func<string[], WebApplication> build,
        Func<WebApplication, CancellationToken, Task>? beforeRun,
        CommandContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var policy = CliOptions.Policy(
            $"policy file (YAML, kind DeadlinePolicy); reloaded when it changes. Without it the built-in\ndefault policy applies. Short for --{CommandArguments.PolicyFileKey}=FILE.");
        var urls = CliOptions.Text("--urls", "URLS", $"listen addresses (default {defaultUrl}; also ASPNETCORE_URLS)");
        var settings = new Argument<string[]>("settings")
        {
            Arity = ArgumentArity.ZeroOrMore,
            HelpName = ConfigurationOverrides.UsageLabel,
            Description = "any configuration setting, as in appsettings.json (also environment variable Section__Key)",
        };
        var command = new DocumentedCommand(name, summary) { Details = details, Notes = notes, ArgumentsMayLookLikeOptions = true };
        command.Options.Add(policy);
        command.Options.Add(urls);
        command.Arguments.Add(settings);
        command.Validators.Add(result =>
        {
            if (ConfigurationOverrides.Normalize(result.GetValue(settings) ?? []).Problem is { } problem)
            {
                result.AddError(problem);
            }
        });
        command.SetAction(parse => RunAsync(ConfigurationArguments(parse, policy, urls, settings), build, beforeRun, context));
        return command;
    }

    /// <summary>The host's arguments: <c>--urls</c> and <c>--policy</c> as their configuration keys, then the settings in order.</summary>
    public static string[] ConfigurationArguments(ParseResult parse, Option<string> policy, Option<string> urls, Argument<string[]> settings)
    {
        ArgumentNullException.ThrowIfNull(parse);
        var args = new List<string>();
        if (parse.GetValue(urls) is { } addresses)
        {
            args.Add(CommandArguments.Setting(CommandArguments.UrlsKey, addresses));
        }

        if (parse.GetValue(policy) is { } file)
        {
            args.Add(CommandArguments.Setting(CommandArguments.PolicyFileKey, file));
        }

        args.AddRange(ConfigurationOverrides.Normalize(parse.GetValue(settings) ?? []).Settings);
        return [.. args];
    }

    private static async Task<int> RunAsync(
        string[] args,
        Func<string[], WebApplication> build,
        Func<WebApplication, CancellationToken, Task>? beforeRun,
        CommandContext context)
    {
        try
        {
            await using var app = build(args);
            if (beforeRun is not null && !await BeforeRunAsync(app, beforeRun))
            {
                return Commands.Ok; // stopped (SIGTERM, Ctrl+C) while waiting to start
            }

            // StartAsync and WaitForShutdownAsync rather than RunAsync, which disposes the services before the fault is read.
            await app.StartAsync();
            await app.WaitForShutdownAsync();
            if (StartupFailures.Fault(app.Services) is { } fault)
            {
                await context.Error.WriteLineAsync($"{context.ProgramName}: stopped by a failure: {fault.Message}");
                return Commands.Failed;
            }

            return Commands.Ok;
        }
        catch (Exception e) when (StartupFailures.Problems(e) is { } problems)
        {
            await context.Error.WriteLineAsync(StartupFailures.Describe(problems));
            return Commands.Usage;
        }
    }

    /// <summary>Runs the start-up check; false when SIGTERM or SIGINT came first, as the host would stop then.</summary>
    private static async Task<bool> BeforeRunAsync(WebApplication app, Func<WebApplication, CancellationToken, Task> beforeRun)
    {
        using var stop = new CancellationTokenSource();
        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Cancel();
        }

        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        try
        {
            await beforeRun(app, stop.Token);
            return true;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return false;
        }
    }
}

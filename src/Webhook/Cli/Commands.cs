using System.Runtime.InteropServices;
using DeadlineGuard.Hosting;

namespace DeadlineGuard.Cli;

/// <summary>The subcommands of DESIGN.md §1 and their exit codes.</summary>
public static class Commands
{
    public const int Ok = 0;
    public const int Denied = 1;
    public const int Failed = 1;
    public const int Usage = 2;

    public const string MainHelp = """
        Rollout Deadline Guard: keeps Argo Rollouts from hanging in Progressing forever.

        Usage: webhook [command] [options]

        Commands:
          serve            HTTPS admission server: POST /mutate, /validate; GET /healthz, /readyz, /metrics (default)
          reconcile        companion reconciler: applies each revision's recorded deadline when Argo does not
          review PATH...   evaluate Rollout manifests offline under a policy (files, directories, - for stdin)
          certs            create or renew the self-managed webhook certificates and CA bundles
          history PATH     print a Rollout's recorded revision history as a table (- for stdin)
          export-policy    print the policy as ValidatingAdmissionPolicy and MutatingAdmissionPolicy YAML

        Run 'webhook COMMAND --help' for a command's options.
        """;

    public const string ServeHelp = """
        Usage: webhook serve [--policy FILE] [--urls URLS] [--Section:Key=value ...]

        Serves the admission webhook over HTTPS (HTTP/1.1 and HTTP/2, TLS 1.2+).

        Options:
          --policy FILE                 policy file (YAML, kind DeadlinePolicy); reloaded when it changes.
                                        Without it the built-in default policy applies.
          --urls URLS                   listen addresses (default https://localhost:8443; also ASPNETCORE_URLS)
          --Tls:CertFile=F --Tls:KeyFile=F
                                        PEM serving certificate and key; without them a self-signed
                                        certificate for localhost is made in memory. Reloaded when the
                                        files change (a Secret volume's renewal included).
          --Tls:ReloadCheckSeconds=N    also re-read the certificate files this often (default 60)
          --Admission:MaxRequestBytes=N largest review accepted (default 4194304)
          --Admission:FailurePolicy=Fail|Ignore
                                        /validate's answer when the webhook itself fails (default Fail)
        Any configuration key can be given as --Section:Key=value or as environment variable Section__Key.

        Exit codes: 0 clean shutdown, 1 stopped by a failure after start, 2 bad configuration (nothing served;
        one line on stderr says what).
        """;

    public static async Task<int> RunAsync(string[] args, TextReader stdin, TextWriter stdout, TextWriter stderr)
    {
        var command = args.Length > 0 && !args[0].StartsWith('-') ? args[0] : "serve";
        var rest = args.Length > 0 && !args[0].StartsWith('-') ? args[1..] : args;
        if (args is ["--help" or "-h" or "help", ..])
        {
            await stdout.WriteLineAsync(MainHelp);
            return Ok;
        }

        switch (command)
        {
            case "serve":
                return await HostAsync(rest, ServeHelp, a => WebhookApp.Build(a), null, stdout, stderr);
            case "reconcile":
                return await HostAsync(rest, ReconcileHelp, a => ReconcilerApp.Build(a), ReconcilerApp.CheckClusterAsync, stdout, stderr);
            case "review":
                return await ReviewCommand.RunAsync(rest, stdin, stdout, stderr);
            case "certs":
                return await CertsCommand.RunAsync(rest, stdout, stderr);
            case "history":
                return await HistoryCommand.RunAsync(rest, stdin, stdout, stderr);
            case "export-policy":
                return await ExportPolicyCommand.RunAsync(rest, stdout, stderr);
            default:
                await stderr.WriteLineAsync($"webhook: unknown command '{command}'.");
                await stderr.WriteLineAsync(MainHelp);
                return Usage;
        }
    }

    public const string ReconcileHelp = """
        Usage: webhook reconcile [--policy FILE] [--urls URLS] [--Section:Key=value ...]

        Watches Rollouts and applies the deadline recorded for each revision when Argo Rollouts does not:
        a Rollout still Progressing past its deadline plus grace is aborted (status.abort=true, as
        kubectl argo rollouts abort does) and a Warning Event is emitted. Serves only /healthz, /readyz
        and /metrics over HTTP (default http://localhost:8081).

        Kubernetes access: KUBECONFIG, else ~/.kube/config, else the pod's service account. At start the API
        server must answer within --Kubernetes:StartupTimeoutSeconds (default 30); after start, API failures
        are retried with backoff.

        Options:
          --policy FILE                         the policy (exemptions apply to the reconciler too)
          --Reconciler:DryRun=true              emit "would abort" Events and change nothing
          --Reconciler:GraceSeconds=N           wait this long past a deadline before acting (default 30)
          --Reconciler:Namespaces:0=NS ...      watch only these namespaces (default: all)
          --Reconciler:RepairStaleScaleDownDeadline=true
                                                also remove expired scale-down-deadline annotations from
                                                old zero-replica ReplicaSets (argo-rollouts#3988)
          --Reconciler:LeaderElection=false     single replica, no Lease (default true; needs POD_NAMESPACE
                                                or --Reconciler:LeaseNamespace=NS)

        Exit codes: 0 clean shutdown, 1 stopped by a failure after start, 2 bad configuration or no
        reachable API server at start (one line on stderr says what).
        """;

    private static async Task<int> HostAsync(
        string[] args,
        string help,
        Func<string[], WebApplication> build,
        Func<WebApplication, CancellationToken, Task>? beforeRun,
        TextWriter stdout,
        TextWriter stderr)
    {
        if (args.Any(a => a is "--help" or "-h"))
        {
            await stdout.WriteLineAsync(help);
            return Ok;
        }

        try
        {
            await using var app = build(args);
            if (beforeRun is not null && !await BeforeRunAsync(app, beforeRun))
            {
                return Ok; // stopped (SIGTERM, Ctrl+C) while waiting to start
            }

            // StartAsync and WaitForShutdownAsync rather than RunAsync, which disposes the services before the fault is read.
            await app.StartAsync();
            await app.WaitForShutdownAsync();
            if (StartupFailures.Fault(app.Services) is { } fault)
            {
                await stderr.WriteLineAsync($"webhook: stopped by a failure: {fault.Message}");
                return Failed;
            }

            return Ok;
        }
        catch (Exception e) when (StartupFailures.Problems(e) is { } problems)
        {
            await stderr.WriteLineAsync(StartupFailures.Describe(problems));
            return Usage;
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

using DeadlineGuard.Hosting;

namespace DeadlineGuard.Cli;

/// <summary><c>reconcile</c>: the companion reconciler, with only /healthz, /readyz and /metrics over HTTP.</summary>
public static class ReconcileCommand
{
    public const string Name = "reconcile";

    public static DocumentedCommand Create(CommandContext context) => HostedCommand.Create(
        Name,
        "companion reconciler: applies each revision's recorded deadline when Argo does not",
        """
        Watches Rollouts and applies the deadline recorded for each revision when Argo Rollouts does not:
        a Rollout still Progressing past its deadline plus grace is aborted (status.abort=true, as
        kubectl argo rollouts abort does) and a Warning Event is emitted. Serves only /healthz, /readyz
        and /metrics over HTTP.

        Kubernetes access: KUBECONFIG, else ~/.kube/config, else the pod's service account. At start the API
        server must answer within --Kubernetes:StartupTimeoutSeconds (default 30); after start, API failures
        are retried with backoff.
        """,
        """
        Settings often used (any key of appsettings.json works the same way):
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
        """,
        ReconcilerApp.DefaultUrl,
        args => ReconcilerApp.Build(args),
        ReconcilerApp.CheckClusterAsync,
        context);
}

namespace DeadlineGuard.ClusterAccess;

/// <summary>Configuration section "Kubernetes": how long start-up waits for the API server.</summary>
public sealed class KubernetesAccessOptions
{
    public const string Section = "Kubernetes";

    /// <summary>
    /// How long <c>reconcile</c> keeps trying to reach the API server at start before it exits with code 2 (default 30;
    /// 0 tries once). After start, API failures are retried with backoff and never end the program.
    /// </summary>
    public int StartupTimeoutSeconds { get; set; } = 30;
}

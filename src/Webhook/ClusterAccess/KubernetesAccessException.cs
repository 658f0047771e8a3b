namespace DeadlineGuard.ClusterAccess;

/// <summary>The program cannot talk to Kubernetes: no configuration, an unusable one, or an API server that does not answer at start.</summary>
public sealed class KubernetesAccessException : Exception
{
    public KubernetesAccessException()
    {
    }

    public KubernetesAccessException(string message)
        : base(message)
    {
    }

    public KubernetesAccessException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

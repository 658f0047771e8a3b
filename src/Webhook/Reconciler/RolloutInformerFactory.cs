using k8s;

namespace DeadlineGuard.Reconciler;

/// <summary>Informers that list and watch through the API server (<see cref="RolloutInformer"/>).</summary>
public sealed class RolloutInformerFactory(
    IKubernetes client,
    ReconcilerOptions options,
    TimeProvider time,
    ReconcilerMetrics metrics,
    ILoggerFactory loggers,
    int pageSize = RolloutInformer.DefaultPageSize) : IRolloutInformerFactory
{
    private readonly RolloutApi _api = new(client);

    public IRolloutInformer Create(string? scope, RolloutDecoder decoder) =>
        new RolloutInformer(_api, scope, decoder, options, time, metrics, loggers.CreateLogger<RolloutInformer>(), pageSize);
}

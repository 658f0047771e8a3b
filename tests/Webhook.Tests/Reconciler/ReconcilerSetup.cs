using DeadlineGuard.Reconciler;
using Microsoft.Extensions.Logging;

namespace DeadlineGuard.Tests.Reconciler;

/// <summary>
/// How a <see cref="ReconcilerRun"/> is put together: a change to the product's options, the informer's page size
/// (or a scripted informer instead), the policy file (none: the built-in policy) and the loop's logger.
/// </summary>
internal sealed record ReconcilerSetup
{
    public Action<ReconcilerOptions>? Configure { get; init; }

    public int PageSize { get; init; } = RolloutInformer.DefaultPageSize;

    public IRolloutInformerFactory? Informers { get; init; }

    public string? PolicyFile { get; init; }

    public ILogger<DeadlineReconciler>? Logger { get; init; }
}

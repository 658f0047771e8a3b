namespace DeadlineGuard.Reconciler;

/// <summary>A list+watch of the Rollouts of one scope that reports what it sees as <see cref="RolloutChange"/>s.</summary>
public interface IRolloutInformer
{
    /// <summary>Lists, then watches, until cancelled; every change goes to <paramref name="onChange"/>, in order.</summary>
    Task RunAsync(Func<RolloutChange, ValueTask> onChange, CancellationToken cancellationToken);

    /// <summary>Stops the current watch (or list) and lists again, decoding with <paramref name="decoder"/> from now on.</summary>
    void Relist(RolloutDecoder decoder);
}

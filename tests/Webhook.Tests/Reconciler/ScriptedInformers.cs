using System.Threading.Channels;
using DeadlineGuard.Reconciler;

namespace DeadlineGuard.Tests.Reconciler;

/// <summary>An informer factory whose one informer hands the loop exactly the changes a test sends, in order.</summary>
internal sealed class ScriptedInformers : IRolloutInformerFactory, IRolloutInformer
{
    private readonly Channel<RolloutChange> _changes = Channel.CreateUnbounded<RolloutChange>();

    public void Send(RolloutChange change) => _changes.Writer.TryWrite(change);

    public IRolloutInformer Create(string? scope, RolloutDecoder decoder) => this;

    public async Task RunAsync(Func<RolloutChange, ValueTask> onChange, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var change in _changes.Reader.ReadAllAsync(cancellationToken))
            {
                await onChange(change);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Nothing to list again: the test sends what a new list would bring.</summary>
    public void Relist(RolloutDecoder decoder)
    {
    }
}

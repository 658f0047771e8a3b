namespace DeadlineGuard.Reconciler;

/// <summary>Makes the informer of one scope (a namespace, or null for the whole cluster); tests swap it.</summary>
public interface IRolloutInformerFactory
{
    IRolloutInformer Create(string? scope, RolloutDecoder decoder);
}

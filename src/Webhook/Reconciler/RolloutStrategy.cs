namespace DeadlineGuard.Reconciler;

/// <summary>spec.strategy as far as the judge cares: canary (whose steps it reads), blue-green, or neither.</summary>
public enum RolloutStrategy
{
    None,
    BlueGreen,
    Canary,
}

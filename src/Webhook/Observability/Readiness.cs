using System.Collections.Concurrent;

namespace DeadlineGuard.Observability;

/// <summary>
/// Ready when every gate a component opened has been passed (serving certificate, policy, first list...)
/// and until shutdown begins. Components open their gate when they are created, before the server listens.
/// </summary>
public sealed class Readiness
{
    public const string Certificate = "serving certificate";
    public const string Policy = "policy";
    public const string FirstList = "first list of Rollouts";

    private readonly ConcurrentDictionary<string, bool> _pending = new(StringComparer.Ordinal);
    private volatile bool _stopping;

    public void Expect(string gate) => _pending[gate] = true;

    public void Passed(string gate) => _pending.TryRemove(gate, out _);

    public void Stopping() => _stopping = true;

    public bool IsReady => !_stopping && _pending.IsEmpty;

    /// <summary>Why the process is not ready, for the /readyz body.</summary>
    public string Describe() =>
        _stopping ? "shutting down"
        : _pending.IsEmpty ? "ready"
        : "waiting for " + string.Join(", ", _pending.Keys.Order(StringComparer.Ordinal));
}

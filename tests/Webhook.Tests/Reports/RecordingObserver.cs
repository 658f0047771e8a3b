using DeadlineGuard.Reconciler;
using DeadlineGuard.Tests.Support.FakeKube;

namespace DeadlineGuard.Tests.Reports;

/// <summary>Passes every call on to the real observer (the report keeper) and records it, so that a test can wait until a change has been judged.</summary>
public sealed class RecordingObserver(IVerdictObserver inner) : IVerdictObserver
{
    private readonly Signal<Heard> _heard = new();

    public bool NeedsPitfalls => inner.NeedsPitfalls;

    public void Started() => inner.Started();

    public void Judged(RolloutSnapshot rollout, DeadlineVerdict verdict)
    {
        inner.Judged(rollout, verdict);
        _heard.Add(n => new Heard(n, rollout.Namespace, rollout.Name, rollout.ResourceVersion, verdict.Kind, Gone: false));
    }

    public void Forgotten(RolloutSnapshot rollout)
    {
        inner.Forgotten(rollout);
        _heard.Add(n => new Heard(n, rollout.Namespace, rollout.Name, rollout.ResourceVersion, VerdictKind.Idle, Gone: true));
    }

    public void Synced() => inner.Synced();

    /// <summary>Completes once the Rollout at <paramref name="resourceVersion"/> has been judged (or forgotten), after the keeper heard it.</summary>
    public Task<Heard> WaitForAsync(string ns, string name, string resourceVersion, bool gone = false) =>
        _heard.WaitAsync(h => h.Namespace == ns && h.Name == name && h.Gone == gone && (gone || h.ResourceVersion == resourceVersion), TimeSpan.FromSeconds(15), $"{ns}/{name} at {resourceVersion}");

    public sealed record Heard(int Sequence, string Namespace, string Name, string ResourceVersion, VerdictKind Verdict, bool Gone);
}

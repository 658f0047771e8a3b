namespace DeadlineGuard.Bench.FakeApi;

/// <summary>What state a generated Rollout is in.</summary>
internal enum Kind
{
    Healthy,
    Progressing,
    Paused,
    CanaryPauseStep,
}

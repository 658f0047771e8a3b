namespace DeadlineGuard.Policy;

/// <summary>Loads the policy before the server listens (a bad file fails start-up) and then watches it.</summary>
public sealed class PolicyLoader(PolicyStore store) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        store.LoadInitial();
        store.StartWatching();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

namespace DeadlineGuard.Files;

/// <summary>
/// Loads <typeparamref name="TFile"/> as the host starts, before the server listens, and then watches it. One closed
/// type per file kind: the host registers each hosted service type once.
/// </summary>
public sealed class WatchedFileLoader<TFile>(TFile file) : IHostedService
    where TFile : class, IWatchedFile
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        file.Load();
        file.StartWatching();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

namespace DeadlineGuard.Files;

public static class WatchedFileServices
{
    /// <summary>
    /// <typeparamref name="TFile"/> as a singleton, loaded as the host starts (a bad file fails start-up, before the
    /// server listens) and watched from then on (<see cref="WatchedFileLoader{TFile}"/>).
    /// </summary>
    public static IServiceCollection AddWatchedFile<TFile>(this IServiceCollection services)
        where TFile : class, IWatchedFile
    {
        services.AddSingleton<TFile>();
        services.AddHostedService<WatchedFileLoader<TFile>>();
        return services;
    }
}

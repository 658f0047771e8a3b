namespace DeadlineGuard.Leadership;

/// <summary>Work that only the replica holding the Lease does, for as long as it holds it.</summary>
public interface ILeaderWork
{
    Task RunAsync(CancellationToken cancellationToken);
}

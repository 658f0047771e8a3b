using DeadlineGuard.Leadership;

namespace DeadlineGuard.Tls;

/// <summary>The reconciler leader's share of the self-managed certificate mode: rotate, then sleep until the next check falls due.</summary>
public sealed partial class CertificateRenewal(CertificateRotator rotator, TimeProvider time, ILogger<CertificateRenewal> logger) : ILeaderWork
{
    private static readonly TimeSpan RetryAfterFailure = TimeSpan.FromMinutes(1);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            DateTimeOffset next;
            try
            {
                next = (await rotator.RotateAsync(cancellationToken)).NextCheck;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // a failed pass is retried; the reconciler must keep running
            catch (Exception e)
#pragma warning restore CA1031
            {
                LogFailed(logger, e, RetryAfterFailure.TotalSeconds);
                next = time.GetUtcNow() + RetryAfterFailure;
            }

            // Wait until an absolute moment, so that time passing while a pass ran is not waited twice.
            try
            {
                while (time.GetUtcNow() < next)
                {
                    await Task.Delay(next - time.GetUtcNow(), time, cancellationToken);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    [LoggerMessage(EventId = 31, Level = LogLevel.Error, Message = "Certificate renewal failed; retrying in {DelaySeconds} s")]
    private static partial void LogFailed(ILogger logger, Exception exception, double delaySeconds);
}

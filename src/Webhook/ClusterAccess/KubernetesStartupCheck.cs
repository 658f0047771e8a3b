using System.Net;
using System.Security.Authentication;
using k8s;
using k8s.Autorest;
using Microsoft.Extensions.Options;

namespace DeadlineGuard.ClusterAccess;

/// <summary>
/// Before <c>reconcile</c> starts: the API server must answer GET /version (allowed to everyone by the default
/// system:public-info-viewer role). An API server that does not answer (connection refused, timeout, 5xx) is asked
/// again with backoff for <c>Kubernetes:StartupTimeoutSeconds</c>; one that refuses the credentials or the TLS
/// handshake is not asked again, as asking cannot fix it. Either way the failure is a <see cref="KubernetesAccessException"/>
/// with one line naming the server and what to check. After start, the reconciler retries API failures with backoff.
/// </summary>
public sealed partial class KubernetesStartupCheck(IKubernetes client, IOptions<KubernetesAccessOptions> options, TimeProvider time, ILogger<KubernetesStartupCheck> logger)
{
    private static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(5);

    /// <summary>What one answer (or failure) to GET /version means.</summary>
    public enum Verdict
    {
        Reachable,
        Retry,
        Fail,
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var server = client.BaseUri?.ToString().TrimEnd('/') ?? "(unknown)";
        var window = TimeSpan.FromSeconds(options.Value.StartupTimeoutSeconds);
        var started = time.GetTimestamp();
        var delay = TimeSpan.FromMilliseconds(500);
        for (var attempt = 1; ; attempt++)
        {
            var (verdict, reason) = await ProbeAsync(cancellationToken);
            switch (verdict)
            {
                case Verdict.Reachable:
                    return;
                case Verdict.Fail:
                    throw new KubernetesAccessException($"the API server at {server} {reason}");
            }

            var elapsed = time.GetElapsedTime(started);
            if (elapsed + delay > window)
            {
                throw new KubernetesAccessException(
                    $"the API server at {server} is not reachable ({reason}; {attempt} attempts in {elapsed.TotalSeconds:0} s); " +
                    "check that the cluster is up and that the kubeconfig's server address is right");
            }

            LogRetrying(logger, server, reason, delay.TotalSeconds);
            await Task.Delay(delay, time, cancellationToken);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxDelay.Ticks));
        }
    }

    /// <summary>Classifies the outcome of one GET /version: null for an answer with <paramref name="status"/>, else the failure.</summary>
    public static (Verdict Verdict, string Reason) Classify(HttpStatusCode? status, Exception? failure) => (status, failure) switch
    {
        (HttpStatusCode.Unauthorized, _) => (Verdict.Fail, "refused the credentials (401 Unauthorized); check the kubeconfig's user, or the service account token"),
        ({ } code, _) when (int)code >= 500 => (Verdict.Retry, $"answered {(int)code} {code}"),
        ({ }, _) => (Verdict.Reachable, "answered"),
        (null, HttpRequestException { InnerException: AuthenticationException tls }) =>
            (Verdict.Fail, $"failed the TLS handshake ({tls.Message}); check the kubeconfig's certificate-authority"),
        (null, HttpRequestException e) => (Verdict.Retry, e.Message),
        (null, TimeoutException or OperationCanceledException) => (Verdict.Retry, $"no answer within {AttemptTimeout.TotalSeconds:0} s"),
        (null, { } e) => (Verdict.Retry, e.Message),
        (null, null) => (Verdict.Reachable, "answered"),
    };

    private async Task<(Verdict, string)> ProbeAsync(CancellationToken cancellationToken)
    {
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        attempt.CancelAfter(AttemptTimeout);
        try
        {
            await client.Version.GetCodeAsync(attempt.Token);
            return Classify(HttpStatusCode.OK, null);
        }
        catch (HttpOperationException e) when (e.Response is not null)
        {
            return Classify(e.Response.StatusCode, null);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or TimeoutException or IOException)
        {
            return Classify(null, e);
        }
    }

    [LoggerMessage(EventId = 28, Level = LogLevel.Warning, Message = "The API server at {Server} is not reachable yet ({Reason}); trying again in {DelaySeconds:0.0} s")]
    private static partial void LogRetrying(ILogger logger, string server, string reason, double delaySeconds);
}

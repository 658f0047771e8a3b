using System.Net;
using System.Net.Security;
using System.Text;
using DeadlineGuard.Hosting;
using DeadlineGuard.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;

namespace DeadlineGuard.Tests.Tls;

public sealed class GracefulShutdownTests
{
    /// <summary>A request body that sends its first half, then waits until the test lets it finish.</summary>
    private sealed class SlowContent(byte[] body, Task release, TaskCompletionSource started) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            await stream.WriteAsync(body.AsMemory(0, body.Length / 2));
            await stream.FlushAsync();
            started.TrySetResult();
            await release;
            await stream.WriteAsync(body.AsMemory(body.Length / 2));
        }

        protected override bool TryComputeLength(out long length)
        {
            length = body.Length;
            return true;
        }
    }

    [Fact]
    public async Task A_review_in_flight_at_shutdown_completes_and_readiness_turns_off_first()
    {
        var app = WebhookApp.Build(["--urls", "https://127.0.0.1:0"]);
        var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        app.Use((context, next) =>
        {
            arrived.TrySetResult(); // the server is handling the request: it is in flight from here on
            return next(context);
        });
        await app.StartAsync();
        var served = ((DeadlineGuard.Tls.ServingCertificate)app.Services.GetService(typeof(DeadlineGuard.Tls.ServingCertificate))!).Current;
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate?.GetCertHashString() == served.GetCertHashString(),
            },
        };
        using var client = new HttpClient(handler) { BaseAddress = new Uri(app.Urls.Single()), Timeout = TimeSpan.FromSeconds(60) };
        var release = new TaskCompletionSource();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var body = Encoding.UTF8.GetBytes(Reviews.Review(Reviews.Rollout()).ToJsonString());
        using var content = new SlowContent(body, release.Task, started);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        var inFlight = client.PostAsync("/mutate", content);
        await started.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await arrived.Task.WaitAsync(TimeSpan.FromSeconds(30));

        // SIGTERM: the host stops; readiness turns off at once, the in-flight review is allowed to finish.
        var lifetime = (IHostApplicationLifetime)app.Services.GetService(typeof(IHostApplicationLifetime))!;
        var stopping = app.StopAsync();
        await Task.Run(() => lifetime.ApplicationStopping.WaitHandle.WaitOne(TimeSpan.FromSeconds(30)));
        var readiness = (DeadlineGuard.Observability.Readiness)app.Services.GetService(typeof(DeadlineGuard.Observability.Readiness))!;
        readiness.IsReady.ShouldBeFalse();
        readiness.Describe().ShouldBe("shutting down");

        release.SetResult();
        using var response = await inFlight.WaitAsync(TimeSpan.FromSeconds(30));
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        (await response.Content.ReadAsStringAsync()).ShouldContain("\"allowed\":true");
        await stopping.WaitAsync(TimeSpan.FromSeconds(30));
        await app.DisposeAsync();
    }
}

using System.Collections.Concurrent;
using System.Net;
using DeadlineGuard.Hosting;
using DeadlineGuard.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace DeadlineGuard.Tests.Http;

/// <summary>
/// Issue 13, item 9: at SIGTERM, HTTP/1.1 keep-alive clients lose no request. Kestrel's stop used to close every idle
/// keep-alive connection at once, so a client sending its next request on one got EOF (hey -c 50: 50 lost). Now the
/// server drains first: still listening, it answers each connection's next request with "Connection: close", and stops
/// once no connection is open. Clients here are idle (one request made, then quiet when the stop begins) or busy
/// (sending back to back); each keeps going until it is told to close, as a client moving to another replica would.
/// </summary>
public sealed class ShutdownDrainTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Keep_alive_clients_mid_stream_at_shutdown_get_answers_then_a_clean_close_and_lose_no_request()
    {
        // A drain far longer than the test: the stop must end because every connection closed, not because time ran out.
        var webhook = await RunningWebhook.StartAsync(["--Shutdown:TimeoutSeconds=120", "--Shutdown:DrainSeconds=120"]);
        var idle = Enumerable.Range(0, 6).Select(_ => webhook.Http11Client()).ToList();
        var busy = Enumerable.Range(0, 4).Select(_ => webhook.Http11Client()).ToList();
        var lost = new ConcurrentBag<string>();
        var answered = 0;
        try
        {
            foreach (var client in idle.Concat(busy))
            {
                (await Send(client)).Answer.ShouldBe(HttpStatusCode.OK); // each holds an open keep-alive connection now
            }

            var drain = webhook.App.Services.GetRequiredService<ConnectionDrain>();
            using var busyStarted = new CountdownEvent(busy.Count);
            var busyRuns = busy.Select(client => Task.Run(async () =>
            {
                busyStarted.Signal();
                while (true)
                {
                    var (answer, close, error) = await Send(client);
                    if (error is not null)
                    {
                        lost.Add(error);
                        return;
                    }

                    Interlocked.Increment(ref answered);
                    if (close)
                    {
                        return;
                    }
                }
            })).ToList();
            busyStarted.Wait(Patience);

            var stop = webhook.App.StopAsync();
            await WaitUntil(() => drain.IsDraining); // what SIGTERM starts
            var idleRuns = idle.Select(async client =>
            {
                var (answer, close, error) = await Send(client);
                if (error is not null)
                {
                    lost.Add(error);
                    return;
                }

                answer.ShouldBe(HttpStatusCode.OK);
                close.ShouldBeTrue("an answer during the drain closes its connection");
                Interlocked.Increment(ref answered);
            }).ToList();

            await Task.WhenAll(busyRuns.Concat(idleRuns)).WaitAsync(Patience);
            await stop.WaitAsync(Patience);

            lost.ShouldBeEmpty();
            answered.ShouldBeGreaterThanOrEqualTo(idle.Count + busy.Count);
        }
        finally
        {
            foreach (var client in idle.Concat(busy))
            {
                client.Dispose();
            }

            await webhook.App.DisposeAsync();
        }
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(Patience);
        while (!condition())
        {
            await Task.Delay(10, timeout.Token);
        }
    }

    /// <summary>One review; its status and whether the server closes the connection, or what went wrong.</summary>
    private static async Task<(HttpStatusCode Answer, bool Close, string? Error)> Send(HttpClient client)
    {
        try
        {
            using var response = await client.PostAsync(new Uri("/validate", UriKind.Relative), AdmissionCalls.Body(Reviews.Review(Reviews.Rollout()).ToJsonString()));
            await response.Content.ReadAsByteArrayAsync();
            return response.StatusCode == HttpStatusCode.OK
                ? (response.StatusCode, response.Headers.ConnectionClose == true, null)
                : (response.StatusCode, false, $"answered {(int)response.StatusCode}");
        }
        catch (HttpRequestException e)
        {
            return (default, false, e.Message + (e.InnerException is { } inner ? ": " + inner.Message : ""));
        }
    }
}

using System.Globalization;
using System.Net;
using System.Text;
using DeadlineGuard.Admission;
using DeadlineGuard.Hosting;
using DeadlineGuard.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace DeadlineGuard.Tests.Http;

/// <summary>
/// Issue 13, item 3: beyond Admission:MaxDecodingBytes of bodies in flight, a review waits at most
/// Admission:DecodingWaitMilliseconds and is then answered 429 with a reason and Retry-After, counted as
/// <c>throttled</c>; the body that held the room is answered normally once it arrives.
/// </summary>
public sealed class DecodingBudgetTests
{
    private const int Budget = 65536;
    private const string Throttled = "deadline_guard_admission_requests_total{endpoint=\"validate\",operation=\"unknown\",decision=\"throttled\"}";

    [Fact]
    public async Task A_review_finding_the_budget_full_after_the_wait_is_answered_429_with_a_reason_and_counted()
    {
        await using var webhook = await RunningWebhook.StartAsync([
            $"--Admission:MaxRequestBytes={Budget}", $"--Admission:MaxDecodingBytes={Budget}", "--Admission:DecodingWaitMilliseconds=0"]);
        var budget = webhook.App.Services.GetRequiredService<BodyBudget>();
        using var client = webhook.Http11Client();

        // A review of exactly the budget whose body arrives in two parts: it holds all the room in between.
        var review = Encoding.UTF8.GetBytes(Reviews.Review(Reviews.Rollout()).ToJsonString().PadRight(Budget));
        var (tcp, tls) = await webhook.ConnectRawAsync();
        using var _ = tcp;
        await using var __ = tls;
        await RunningWebhook.WriteAsync(tls, $"POST /validate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {Budget}\r\nConnection: close\r\n\r\n");
        await tls.WriteAsync(review.AsMemory(0, 1000));
        await tls.FlushAsync();
        await WaitUntil(() => budget.InUse == Budget);

        using var refused = await client.PostAsync(new Uri("/validate", UriKind.Relative), AdmissionCalls.Body(Encoding.UTF8.GetBytes(Reviews.Review(Reviews.Rollout()).ToJsonString())));

        refused.StatusCode.ShouldBe(HttpStatusCode.TooManyRequests);
        refused.Headers.RetryAfter!.Delta.ShouldBe(TimeSpan.FromSeconds(1));
        (await refused.Content.ReadAsStringAsync()).ShouldBe(
            $"too many reviews being read at once: {Budget} of {Budget} bytes in use for 0 ms (Admission:MaxDecodingBytes); retry\n");
        Counter(await client.GetStringAsync(new Uri("/metrics", UriKind.Relative)), Throttled).ShouldBe(1);

        await tls.WriteAsync(review.AsMemory(1000));
        await tls.FlushAsync();
        using var reader = new StreamReader(tls, Encoding.UTF8);
        (await reader.ReadToEndAsync()).ShouldStartWith("HTTP/1.1 200");
        budget.InUse.ShouldBe(0);
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!condition())
        {
            await Task.Delay(10, timeout.Token);
        }
    }

    private static double Counter(string metrics, string series) =>
        metrics.Split('\n').FirstOrDefault(l => l.StartsWith(series + " ", StringComparison.Ordinal)) is { } line
            ? double.Parse(line[(series.Length + 1)..], CultureInfo.InvariantCulture)
            : 0;
}

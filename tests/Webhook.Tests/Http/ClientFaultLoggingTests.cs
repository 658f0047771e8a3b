using System.Net.Sockets;
using System.Text;
using DeadlineGuard.Admission;
using DeadlineGuard.Hosting;
using DeadlineGuard.Tests.Support;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Serilog.Events;

namespace DeadlineGuard.Tests.Http;

/// <summary>
/// Issue 13, item 10: a client's fault (a body too slow, a client gone mid-body, a connection that is not TLS) is
/// logged once, at Debug or Information, with no stack trace, through the program's own logging pipeline (captured).
/// It used to be "An unhandled exception was thrown by the application" at Error with a stack trace, often twice.
/// </summary>
public sealed class ClientFaultLoggingTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    public static TheoryData<string> Faults => ["slow body", "gone mid-body", "not TLS"];

    [Theory]
    [MemberData(nameof(Faults))]
    public async Task A_client_fault_is_logged_once_below_warning_without_a_stack_trace(string fault)
    {
        var (key, sink) = CapturedLogs.NewSink();
        await using var webhook = await RunningWebhook.StartAsync(
            [.. sink.Select(s => $"--{s.Key}={s.Value}"), "--Serilog:MinimumLevel:Default=Debug"],
            app =>
            {
                // Kestrel's floor for a body is 240 bytes/s after a grace period of 5 s; 2 s here (it must exceed 1 s).
                var kestrel = app.Services.GetRequiredService<IOptions<KestrelServerOptions>>().Value;
                kestrel.Limits.MinRequestBodyDataRate = new MinDataRate(240, TimeSpan.FromSeconds(2));
            });
        var started = CapturedLogs.For(key).Count;

        var expected = fault switch
        {
            "slow body" => await SlowBody(webhook),
            "gone mid-body" => await GoneMidBody(webhook, key),
            _ => await NotTls(webhook),
        };
        await webhook.App.StopAsync();

        var events = CapturedLogs.For(key).Skip(started).ToList();
        var described = string.Join(Environment.NewLine, events.Select(e => $"{e.Level} {e.RenderMessage()} {e.Exception?.GetType().Name}"));
        events.ShouldNotContain(e => e.Level >= LogEventLevel.Warning, described);
        events.ShouldNotContain(e => e.Exception != null && e.Level > LogEventLevel.Debug, described);
        if (expected is not null)
        {
            var reported = events.Where(e => e.RenderMessage().Contains(expected, StringComparison.Ordinal)).ShouldHaveSingleItem(described);
            reported.Level.ShouldBeOneOf(LogEventLevel.Debug, LogEventLevel.Information);
            reported.Exception.ShouldBeNull();
        }
    }

    /// <summary>Headers, then 10 bytes of a 1000-byte body, then nothing: Kestrel ends it with 408.</summary>
    private static async Task<string?> SlowBody(RunningWebhook webhook)
    {
        var (tcp, tls) = await webhook.ConnectRawAsync();
        using var _ = tcp;
        await using var __ = tls;
        await RunningWebhook.WriteAsync(tls, "POST /mutate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"apiVersi");
        await tls.FlushAsync();
        using var reader = new StreamReader(tls, Encoding.UTF8);
        using var timeout = new CancellationTokenSource(Patience);
        (await reader.ReadToEndAsync(timeout.Token)).ShouldStartWith("HTTP/1.1 408");
        return "answered 408";
    }

    /// <summary>Headers, part of the body, then the connection is reset.</summary>
    private static async Task<string?> GoneMidBody(RunningWebhook webhook, string key)
    {
        var (tcp, tls) = await webhook.ConnectRawAsync();
        await RunningWebhook.WriteAsync(tls, "POST /mutate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n" + new string(' ', 5000));
        await tls.FlushAsync();
        var budget = webhook.App.Services.GetRequiredService<BodyBudget>();
        using (var reading = new CancellationTokenSource(Patience))
        {
            while (budget.InUse == 0)
            {
                await Task.Delay(10, reading.Token); // until the handler is reading the body
            }
        }

        tcp.Client.Close(0); // RST
        await tls.DisposeAsync();
        tcp.Dispose();

        using var timeout = new CancellationTokenSource(Patience);
        while (!CapturedLogs.For(key).Any(e => e.RenderMessage().Contains("request aborted", StringComparison.Ordinal)))
        {
            if (timeout.IsCancellationRequested)
            {
                throw new TimeoutException(string.Join(Environment.NewLine, CapturedLogs.For(key).Select(e => $"{e.Level} {e.RenderMessage()} {e.Exception?.GetType().Name}")));
            }

            await Task.Delay(10, CancellationToken.None);
        }

        return "request aborted";
    }

    /// <summary>Plain HTTP to the TLS port: the handshake fails.</summary>
    private static async Task<string?> NotTls(RunningWebhook webhook)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(System.Net.IPAddress.Loopback, webhook.BaseAddress.Port);
        var stream = tcp.GetStream();
        await RunningWebhook.WriteAsync(stream, "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n");
        using var timeout = new CancellationTokenSource(Patience);
        var buffer = new byte[1024];
        while (await stream.ReadAsync(buffer, timeout.Token) > 0)
        {
            // the server closes the connection
        }

        return null; // Kestrel's own Debug event (Microsoft.AspNetCore is at Warning): nothing at the levels kept
    }
}

using Microsoft.AspNetCore.Http;

namespace DeadlineGuard.Tests.Support.FakeKube;

/// <summary>How to start a <see cref="FakeKubeApiServer"/>.</summary>
public sealed record FakeKubeServerOptions
{
    /// <summary>The loopback port to listen on; 0 (the default) takes a free one.</summary>
    public int Port { get; init; }

    /// <summary>The clock for timestamps and watch timeouts; the system's when null.</summary>
    public TimeProvider? Time { get; init; }

    /// <summary>
    /// Middleware that sees every request before the fake API server does: it may answer it itself (the request is then
    /// neither recorded nor served by the fake) or call <c>next</c>, and may look at the response afterwards.
    /// </summary>
    public Func<HttpContext, RequestDelegate, Task>? Before { get; init; }
}

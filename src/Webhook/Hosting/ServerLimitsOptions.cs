namespace DeadlineGuard.Hosting;

/// <summary>Configuration section "Server": Kestrel's limits, chosen from measurement (docs/benchmarks.md).</summary>
public sealed class ServerLimitsOptions
{
    public const string Section = "Server";

    /// <summary>
    /// Open connections at most; Kestrel closes a connection beyond it at once. A busy TLS connection costs about
    /// 100 KiB that the process keeps (docs/benchmarks.md: 2,000 took RSS from 89 to 292 MiB); 500 of them and the
    /// decoding budget stay inside the chart's 256 MiB limit. The API servers hold a few connections each.
    /// </summary>
    public int MaxConnections { get; set; } = 500;

    /// <summary>Time a client has to send its request headers (Kestrel's default is 30 s; the API server sends them at once).</summary>
    public int RequestHeadersTimeoutSeconds { get; set; } = 10;

    /// <summary>
    /// How long an idle keep-alive connection is kept (Kestrel's default 130 s). Longer than the API server's idle
    /// timeout (Go's 90 s), so the client, not the server, closes an idle connection and no request races a close.
    /// </summary>
    public int KeepAliveTimeoutSeconds { get; set; } = 130;
}

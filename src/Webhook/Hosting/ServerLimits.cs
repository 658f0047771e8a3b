using DeadlineGuard.Admission;
using DeadlineGuard.Configuration;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace DeadlineGuard.Hosting;

public static class ServerLimits
{
    public static IServiceCollection AddServerLimits(this IServiceCollection services, IConfiguration configuration) =>
        services.AddValidatedOptions<ServerLimitsOptions, ServerLimitsOptionsValidator>(configuration, ServerLimitsOptions.Section);

    /// <summary>
    /// Kestrel's limits from "Server" and the body limit from Admission:MaxRequestBytes (one byte more, so the admission
    /// handler's own check, with its reason, answers first), and the connection counting the drain needs.
    /// </summary>
    public static void ApplyServerLimits(this KestrelServerOptions kestrel)
    {
        var services = kestrel.ApplicationServices;
        var limits = services.GetRequiredService<IOptions<ServerLimitsOptions>>().Value;
        var admission = services.GetRequiredService<IOptions<AdmissionOptions>>().Value;
        kestrel.Limits.MaxConcurrentConnections = limits.MaxConnections;
        kestrel.Limits.MaxConcurrentUpgradedConnections = 0;
        kestrel.Limits.MaxRequestBodySize = admission.MaxRequestBytes + 1L;
        kestrel.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(limits.RequestHeadersTimeoutSeconds);
        kestrel.Limits.KeepAliveTimeout = TimeSpan.FromSeconds(limits.KeepAliveTimeoutSeconds);
    }
}

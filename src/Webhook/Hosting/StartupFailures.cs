using System.Net.Sockets;
using System.Security.Cryptography;
using DeadlineGuard.ClusterAccess;
using FluentValidation;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;
using Serilog.Events;

namespace DeadlineGuard.Hosting;

/// <summary>
/// Which failures of <c>serve</c> and <c>reconcile</c> at start are the user's configuration (exit 2, one line each,
/// no stack trace), and which failure stopped a host after start.
/// </summary>
public static class StartupFailures
{
    /// <summary>The problems a user's configuration caused, one line each; null for anything else (a bug: it keeps its stack trace).</summary>
    public static IReadOnlyList<string>? Problems(Exception e) => e switch
    {
        OptionsValidationException o => [.. o.Failures],
        Policy.PolicyException p => [p.Message],
        ValidationException v => [v.Message],
        KubernetesAccessException k => [k.Message],
        CryptographicException c => [$"the serving certificate cannot be loaded: {c.Message}"],
        IOException io when Listening(io) => [$"cannot listen: {io.Message.TrimEnd('.')} (another process holds the port, or it needs privileges; choose another with --urls)"],
        SocketException s => [$"cannot listen on the address from --urls: {s.Message}{(s.SocketErrorCode == SocketError.AccessDenied ? " (ports below 1024 need privileges; use e.g. 8443)" : string.Empty)}"],
        UnauthorizedAccessException u => [$"cannot read a file: {u.Message}"],
        FileNotFoundException or DirectoryNotFoundException => [e.Message],
        k8s.Exceptions.KubeConfigException k => [$"no Kubernetes access: {k.Message} (run in a cluster, or set KUBECONFIG)"],
        InvalidOperationException or FormatException when IsAddressProblem(e) => [$"bad listen address: {e.Message} (--urls takes e.g. https://0.0.0.0:8443)"],
        InvalidOperationException when e.Message.Contains("home directory", StringComparison.Ordinal) =>
            [$"{e.Message} .NET needs one to build certificate chains: set HOME (any folder; the image sets /tmp)"],
        ArgumentOutOfRangeException { ParamName: "port" } => ["bad listen address: the port must be between 0 and 65535 (--urls takes e.g. https://0.0.0.0:8443)"],
        AggregateException a when a.InnerExceptions.Select(Problems).ToList() is var each && each.All(p => p is not null) => [.. each.SelectMany(p => p!)],
        _ => null,
    };

    /// <summary>The stderr text: one line for one problem; a heading and one line per problem otherwise.</summary>
    public static string Describe(IReadOnlyList<string> problems) =>
        problems.Count == 1 && !problems[0].Contains('\n', StringComparison.Ordinal)
            ? $"webhook: bad configuration, nothing served: {problems[0]}"
            : $"webhook: bad configuration, nothing served:{Environment.NewLine}{string.Join(Environment.NewLine, problems.Select(p => "  - " + p))}";

    /// <summary>
    /// True for the host's own "Hosting failed to start" event when its exception is one of <see cref="Problems"/>: the
    /// command prints that problem as one line on stderr, so the log does not repeat it with a stack trace.
    /// </summary>
    public static bool IsReportedByTheCommand(LogEvent logEvent) =>
        logEvent.Exception is { } e
        && logEvent.Properties.TryGetValue("SourceContext", out var source)
        && source is ScalarValue { Value: "Microsoft.Extensions.Hosting.Internal.Host" }
        && Problems(e) is not null;

    /// <summary>The failure of a background service that stopped the host (BackgroundServiceExceptionBehavior.StopHost), if any.</summary>
    public static Exception? Fault(IServiceProvider services) =>
        services.GetServices<IHostedService>().OfType<BackgroundService>()
            .Select(s => s.ExecuteTask)
            .FirstOrDefault(t => t is { IsFaulted: true })?.Exception?.GetBaseException();

    private static bool Listening(IOException io)
    {
        for (Exception? inner = io.InnerException; inner is not null; inner = inner.InnerException)
        {
            if (inner is AddressInUseException or SocketException)
            {
                return true;
            }
        }

        return io.Message.StartsWith("Failed to bind to address", StringComparison.Ordinal);
    }

    /// <summary>Kestrel's words for a listen address it cannot use (from --urls / ASPNETCORE_URLS).</summary>
    private static bool IsAddressProblem(Exception e) =>
        e.Message.Contains("server address", StringComparison.OrdinalIgnoreCase)
        || e.Message.Contains("Invalid url", StringComparison.OrdinalIgnoreCase)
        || e.Message.Contains("Unrecognized scheme", StringComparison.OrdinalIgnoreCase);
}

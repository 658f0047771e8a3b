using System.CommandLine;
using DeadlineGuard.ClusterAccess;

namespace DeadlineGuard.Cli;

/// <summary>
/// kubectl's way to a cluster, for the commands that read one: <c>--kubeconfig</c>, <c>--context</c> and
/// <c>-n/--namespace</c>, with kubectl's defaults (KUBECONFIG, ~/.kube/config, the pod's service account; the
/// context's namespace, else <c>default</c>).
/// </summary>
public sealed class ClusterOptions
{
    public const string DefaultNamespace = "default";

    /// <summary>How long one request may take: a black-holed API server is reported, not waited for.</summary>
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);

    public Option<string> Namespace { get; } =
        CliOptions.Text("--namespace", "NS", "the namespace (default: the kubeconfig context's namespace, else default)", "-n");

    public Option<string> Kubeconfig { get; } =
        CliOptions.Text("--kubeconfig", "FILE", "the kubeconfig (default: KUBECONFIG, else ~/.kube/config, else the pod's service account)");

    public Option<string> Context { get; } =
        CliOptions.Text("--context", "NAME", "the kubeconfig context to use (default: its current-context)");

    public void AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.Options.Add(Namespace);
        command.Options.Add(Kubeconfig);
        command.Options.Add(Context);
    }

    /// <summary>A client for the chosen cluster and the namespace to read; <see cref="KubernetesAccessException"/> when there is none.</summary>
    public ClusterConnection Connect(ParseResult parse, CommandContext context)
    {
        ArgumentNullException.ThrowIfNull(parse);
        ArgumentNullException.ThrowIfNull(context);
        var flag = NonEmpty(parse.GetValue(Namespace));
        if (context.Kubernetes is { } seam)
        {
            var client = seam();
            return new ClusterConnection(client, flag ?? DefaultNamespace, Server(client.BaseUri), OwnsClient: false);
        }

        var configuration = KubernetesAccess.LoadConfiguration(NonEmpty(parse.GetValue(Kubeconfig)), NonEmpty(parse.GetValue(Context)));
        configuration.HttpClientTimeout = RequestTimeout;
        return new ClusterConnection(
            new Reconciler.ClusterClient(configuration), // keeps tls-server-name for the streamed requests of status
            flag ?? NonEmpty(configuration.Namespace?.Trim()) ?? DefaultNamespace,
            Server(configuration.Host is { Length: > 0 } host ? new Uri(host) : null),
            OwnsClient: true);
    }

    private static string? NonEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    private static string Server(Uri? uri) => uri?.ToString().TrimEnd('/') ?? "(unknown)";
}

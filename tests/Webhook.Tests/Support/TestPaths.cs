namespace DeadlineGuard.Tests.Support;

/// <summary>Where the repository and the shared upstream fixtures are, found from the test binary's folder.</summary>
public static class TestPaths
{
    public static string RepositoryRoot { get; } = FindRoot();

    /// <summary>Unmodified upstream Argo Rollouts manifests and CRD (../shared/fixtures/argo-rollouts beside the checkout).</summary>
    public static string ArgoFixtures { get; } = Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared", "fixtures", "argo-rollouts"));

    public static string RolloutCrd => Path.Combine(ArgoFixtures, "rollout-crd-v1.9.1.yaml");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Webhook.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Webhook.sln not found above " + AppContext.BaseDirectory);
    }
}

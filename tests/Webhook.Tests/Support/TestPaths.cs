namespace DeadlineGuard.Tests.Support;

/// <summary>Where the repository and the shared upstream fixtures are, found from the test binary's folder.</summary>
public static class TestPaths
{
    public static string RepositoryRoot { get; } = FindRoot();

    /// <summary>Unmodified upstream Argo Rollouts manifests and CRD (../shared/fixtures/argo-rollouts beside the checkout).</summary>
    public static string ArgoFixtures { get; } = Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared", "fixtures", "argo-rollouts"));

    public static string RolloutCrd => Path.Combine(ArgoFixtures, "rollout-crd-v1.9.1.yaml");

    public static bool HasArgoFixtures => Directory.Exists(ArgoFixtures);

    /// <summary>
    /// Skips the calling test when the upstream fixtures are not beside the checkout (a plain clone). Under CI
    /// (<c>CI=true</c>) they are always there, so their absence fails the test instead of hiding it.
    /// The test must be a <c>[SkippableFact]</c> or <c>[SkippableTheory]</c>.
    /// </summary>
    public static void RequireArgoFixtures()
    {
        if (HasArgoFixtures)
        {
            return;
        }

        var reason = $"the upstream Argo Rollouts fixtures are not at {ArgoFixtures} (they come with the project's shared/ folder beside the checkout)";
        if (IsCi)
        {
            throw new InvalidOperationException(reason + "; CI must run these tests");
        }

        Skip.If(true, reason);
    }

    /// <summary>True under a CI runner (<c>CI=true</c>), where tests that could be skipped elsewhere must run.</summary>
    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

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

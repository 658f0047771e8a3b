using DeadlineGuard.Tests.Support;

namespace DeadlineGuard.Tests.Chart;

/// <summary>
/// The webhooks' matchConditions as helm renders them, evaluated by a real CEL implementation: tests/cel runs
/// @bufbuild/cel under node over a table of requests (the Argo Rollouts controller's updates with and without a
/// workload-generation change, users, other service accounts). Needs node and npm; the packages are installed once
/// per checkout into tests/cel/node_modules (git-ignored) from the committed package-lock.json.
/// </summary>
public sealed class CelMatchConditionTests
{
    internal static readonly string CelDirectory = Path.Combine(TestPaths.RepositoryRoot, "tests", "cel");

    /// <summary>Null once tests/cel's packages are installed; else why not. Also used by the export-policy tests.</summary>
    internal static readonly Lazy<string?> Installed = new(Install, LazyThreadSafetyMode.ExecutionAndPublication);

    [SkippableTheory]
    [InlineData("selfManaged", "system:serviceaccount:argo-rollouts:argo-rollouts")]
    [InlineData("everything", "system:serviceaccount:argocd:argo-rollouts")]
    public void Every_request_row_is_decided_as_intended_by_the_rendered_expressions(string configuration, string controller)
    {
        var outcome = Evaluate(configuration, controller);

        outcome.ExitCode.ShouldBe(0, outcome.Stdout + outcome.Stderr);
        outcome.Stdout.ShouldContain("11 passed, 0 failed");
    }

    [SkippableFact]
    public void The_rows_depend_on_the_rendered_controller_name()
    {
        // The "everything" values name another controller account: judged as the default one, the controller rows fail.
        var outcome = Evaluate("everything", "system:serviceaccount:argo-rollouts:argo-rollouts");

        outcome.ExitCode.ShouldBe(1, outcome.Stdout + outcome.Stderr);
        outcome.Stdout.ShouldContain("FAIL the controller updates, no annotations on either side");
    }

    private static ProcessOutcome Evaluate(string configuration, string controller)
    {
        var chart = RenderedChart.Of(configuration);
        OptionalTool.Require(Installed.Value);
        var rendered = Path.Combine(Path.GetTempPath(), $"rdg-rendered-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(rendered, chart.Manifest);
        try
        {
            return ExternalProcess.Run(ExternalProcess.FindOnPath("node")!, ["match-conditions.mjs", rendered, "--controller", controller], TimeSpan.FromMinutes(1), CelDirectory);
        }
        finally
        {
            File.Delete(rendered);
        }
    }

    /// <summary>Null once tests/cel/node_modules holds the locked packages; else why it cannot (for the skip message).</summary>
    private static string? Install()
    {
        const string how = "install Node.js 20+ with npm (e.g. `apt-get install nodejs npm`); the test then runs `npm ci` in tests/cel";
        if (ExternalProcess.FindOnPath("node") is null || ExternalProcess.FindOnPath("npm") is not { } npm)
        {
            return "node and npm are needed to evaluate the webhooks' CEL: " + how;
        }

        bool Ready() => File.Exists(Path.Combine(CelDirectory, "node_modules", "@bufbuild", "cel", "package.json"))
                        && File.Exists(Path.Combine(CelDirectory, "node_modules", "yaml", "package.json"));

        return OptionalTool.WithFileLock(Path.Combine(OptionalTool.CacheDirectory, "cel-npm-ci.lock"), TimeSpan.FromMinutes(3), () =>
        {
            if (Ready())
            {
                return null;
            }

            ProcessOutcome outcome;
            try
            {
                outcome = ExternalProcess.Run(npm, ["ci", "--no-audit", "--no-fund"], TimeSpan.FromMinutes(3), CelDirectory);
            }
            catch (TimeoutException e)
            {
                return $"`npm ci` in tests/cel took longer than 3 minutes (is the npm registry reachable?): {e.Message}";
            }

            return outcome.ExitCode == 0 && Ready() ? null : $"`npm ci` in tests/cel failed (exit {outcome.ExitCode}): {outcome.Said}";
        });
    }
}

using DeadlineGuard.Policy;

namespace DeadlineGuard.Tests.Policy;

public sealed class PolicyDocumentReaderTests
{
    private const string DesignExample = """
        apiVersion: deadline-guard.io/v1
        kind: DeadlinePolicy
        spec:
          inject: true                 # mutate: add missing fields
          defaults:
            progressDeadlineSeconds: 600
            progressDeadlineAbort: true
          bounds:
            minSeconds: 30
            maxSeconds: 3600
          requireAbort: true           # progressDeadlineAbort: false is a violation
          action: Deny                 # what a violation does: Deny | Warn | Audit
          exemptions:
            annotation: deadline-guard.io/exempt   # on a Rollout; its value is the reason, must be non-empty
            allowedIn: ["sandbox-*"]               # namespaces where that annotation is honoured ([] = nowhere)
            namespaces: ["kube-system"]            # never evaluated at all
          overrides:                   # first match wins; namespace name globs
            - namespaces: ["team-a-*"]
              action: Warn
              bounds: { maxSeconds: 7200 }
          history:
            limit: 10                  # entries kept in the revision-history annotation
          pauses:
            maxSeconds: 0              # limit on an indefinite pause (§5); 0 = off
            abort: true                # false: Event and metric only
          pitfalls:
            ignore: []                 # pitfall ids not to report (§5a)
        """;

    [Fact]
    public void The_design_example_reads_as_the_built_in_policy_plus_its_override()
    {
        var policy = PolicyDocumentReader.Parse(DesignExample, "example.yaml");

        Json(policy with { Overrides = [] }).ShouldBe(Json(DeadlinePolicy.BuiltIn));
        policy.Overrides.Count.ShouldBe(1);
        policy.Overrides[0].Namespaces.ShouldBe(["team-a-*"]);
        policy.Overrides[0].Action.ShouldBe(PolicyAction.Warn);
        policy.Overrides[0].MaxSeconds.ShouldBe(7200);
        policy.Overrides[0].MinSeconds.ShouldBeNull();
    }

    [Fact]
    public void Fields_a_file_leaves_out_keep_the_built_in_values()
    {
        var policy = PolicyDocumentReader.Parse("""
            apiVersion: deadline-guard.io/v1
            kind: DeadlinePolicy
            spec:
              action: Audit
            """, "partial.yaml");

        Json(policy).ShouldBe(Json(DeadlinePolicy.BuiltIn with { Action = PolicyAction.Audit }));
    }

    [Fact]
    public void The_pause_limit_and_the_ignored_pitfalls_are_read_and_overrides_may_set_the_pause_limit()
    {
        var policy = PolicyDocumentReader.Parse("""
            apiVersion: deadline-guard.io/v1
            kind: DeadlinePolicy
            spec:
              pauses: { maxSeconds: 3600, abort: false }
              pitfalls: { ignore: [DG102, dg104, " DG105 "] }
              overrides:
                - namespaces: ["batch-*"]
                  pauses: { maxSeconds: 86400 }
                - namespaces: ["prod-*"]
                  pauses: { abort: true }
            """, "pauses.yaml");

        policy.Pauses.ShouldBe(new PauseOptions(3600, false));
        policy.Pitfalls.Ignore.ShouldBe(["DG102", "dg104", " DG105 "], "kept as written; ids match ignoring case and spaces");
        policy.Overrides[0].PauseMaxSeconds.ShouldBe(86400);
        policy.Overrides[0].PauseAbort.ShouldBeNull();
        policy.Overrides[1].PauseMaxSeconds.ShouldBeNull();
        policy.Overrides[1].PauseAbort.ShouldBe(true);
        PolicyResolver.Resolve(policy, "batch-nightly").ShouldSatisfyAllConditions(
            e => e.PauseMaxSeconds.ShouldBe(86400),
            e => e.PauseAbort.ShouldBeFalse());
    }

    [Fact]
    public void Without_pauses_and_pitfalls_the_limit_is_off_aborts_when_on_and_nothing_is_ignored()
    {
        var policy = PolicyDocumentReader.Parse("apiVersion: deadline-guard.io/v1\nkind: DeadlinePolicy\nspec: {}\n", "empty.yaml");

        policy.Pauses.ShouldBe(new PauseOptions(0, true));
        policy.Pitfalls.Ignore.ShouldBeEmpty();
    }

    // Records holding lists compare the lists by reference; their JSON compares the values.
    private static string Json(DeadlinePolicy policy) => System.Text.Json.JsonSerializer.Serialize(policy);

    public static TheoryData<string, string, string[]> BadFiles => new()
    {
        {
            "every wrong type is listed, not just the first",
            """
            apiVersion: deadline-guard.io/v1
            kind: DeadlinePolicy
            spec:
              inject: maybe
              bounds: { minSeconds: "thirty", maxSeconds: 1.5 }
              action: Block
              exemptions: { allowedIn: "sandbox-*" }
            """,
            ["spec.inject: must be true or false, found \"maybe\" (a string)",
             "spec.bounds.minSeconds: must be a whole number, found \"thirty\" (a string)",
             "spec.bounds.maxSeconds: must be a whole number, found 1.5",
             "spec.action: must be one of Deny, Warn, Audit, found \"Block\"",
             "spec.exemptions.allowedIn: must be a list of strings, found \"sandbox-*\" (a string)"]
        },
        {
            "a misspelt field is an error, not silently ignored",
            """
            apiVersion: deadline-guard.io/v1
            kind: DeadlinePolicy
            spec:
              requireAbrot: true
              bounds: { maxSecond: 100 }
            """,
            ["spec.requireAbrot: unknown field", "spec.bounds.maxSecond: unknown field"]
        },
        {
            "wrong apiVersion and kind",
            "apiVersion: v1\nkind: ConfigMap\nspec: {}\n",
            ["apiVersion: must be deadline-guard.io/v1, found \"v1\"", "kind: must be DeadlinePolicy, found \"ConfigMap\""]
        },
        {
            "rules between fields are checked after the types",
            """
            apiVersion: deadline-guard.io/v1
            kind: DeadlinePolicy
            spec:
              bounds: { minSeconds: 900, maxSeconds: 600 }
              defaults: { progressDeadlineSeconds: 60, progressDeadlineAbort: false }
              history: { limit: 0 }
              exemptions: { annotation: "not a key!", namespaces: ["Kube_System"] }
            """,
            ["spec.bounds.maxSeconds: must not be below spec.bounds.minSeconds (900), found 600",
             "spec.defaults.progressDeadlineSeconds: must lie within the bounds [900, 600], found 60",
             "spec.defaults.progressDeadlineAbort: is false while spec.requireAbort is true",
             "spec.exemptions.annotation: must be a Kubernetes annotation key",
             "spec.exemptions.namespaces[0]: \"Kube_System\" is not a namespace glob",
             "spec.history.limit: must be between 1 and 50, found 0"]
        },
        {
            "an override is checked as the policy it makes",
            """
            apiVersion: deadline-guard.io/v1
            kind: DeadlinePolicy
            spec:
              overrides:
                - namespaces: []
                  bounds: { minSeconds: 900 }
                - namespaces: ["team-b"]
                  bounds: { maxSeconds: 10 }
            """,
            ["spec.overrides[0].namespaces: must list at least 1 item, found 0",
             "spec.overrides[0].defaults.progressDeadlineSeconds: the default 600 falls outside this override's bounds [900, 3600]",
             "spec.overrides[1].bounds: make maxSeconds 10 lower than minSeconds 30"]
        },
        {
            "pause and pitfall fields of the wrong type, and misspelt ones",
            """
            apiVersion: deadline-guard.io/v1
            kind: DeadlinePolicy
            spec:
              pauses: { maxSeconds: "1h", abort: "yes", maxSecond: 60 }
              pitfalls: { ignore: DG102, ignored: [] }
              overrides:
                - namespaces: ["a"]
                  pauses: { maxSeconds: 1.5, abort: 0 }
                - namespaces: ["b"]
                  pitfalls: { ignore: [DG102] }
            """,
            ["spec.pauses.maxSeconds: must be a whole number, found \"1h\" (a string)",
             "spec.pauses.abort: must be true or false, found \"yes\" (a string)",
             "spec.pauses.maxSecond: unknown field (known here: maxSeconds, abort)",
             "spec.pitfalls.ignore: must be a list of strings, found \"DG102\" (a string)",
             "spec.pitfalls.ignored: unknown field (known here: ignore)",
             "spec.overrides[0].pauses.maxSeconds: must be a whole number, found 1.5",
             "spec.overrides[0].pauses.abort: must be true or false, found 0",
             "spec.overrides[1].pitfalls: unknown field"]
        },
        {
            "a negative pause limit (the schema's minimum) and pitfall ids that are not in the catalog (a rule) are listed together",
            """
            apiVersion: deadline-guard.io/v1
            kind: DeadlinePolicy
            spec:
              pauses: { maxSeconds: -1 }
              pitfalls: { ignore: [DG102, DG1O2, all, ""] }
              overrides:
                - namespaces: ["a"]
                  pauses: { maxSeconds: -60 }
            """,
            ["spec.pauses.maxSeconds: must be at least 0, found -1",
             "spec.pitfalls.ignore[1]: \"DG1O2\" is not a pitfall id; known ids: DG100, DG101, DG102, DG103, DG104, DG105",
             "spec.pitfalls.ignore[2]: \"all\" is not a pitfall id; known ids: DG100,",
             "spec.pitfalls.ignore[3]: \"\" is not a pitfall id",
             "spec.overrides[0].pauses.maxSeconds: must be at least 0, found -60"]
        },
        {
            "not YAML at all",
            "spec: [unclosed",
            ["(file): not valid YAML at line"]
        },
        {
            "two documents",
            "apiVersion: deadline-guard.io/v1\n---\napiVersion: deadline-guard.io/v1\n",
            ["(file): must hold exactly one YAML document, found 2"]
        },
        {
            "a scalar instead of a mapping",
            "just words",
            ["(file): must be a mapping with apiVersion, kind and spec, found \"just words\" (a string)"]
        },
    };

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void A_bad_file_names_every_problem_by_path(string because, string yaml, string[] expected)
    {
        var error = Should.Throw<PolicyException>(() => PolicyDocumentReader.Parse(yaml, "bad.yaml"), because);

        var listed = error.Problems.Select(p => p.ToString()).ToList();
        foreach (var problem in expected)
        {
            listed.ShouldContain(p => p.StartsWith(problem, StringComparison.Ordinal), $"{because}: expected \"{problem}\" in {string.Join(" | ", listed)}");
        }

        error.Message.ShouldContain("bad.yaml");
    }
}

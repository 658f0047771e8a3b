using System.Text.Json.Nodes;
using DeadlineGuard.Cli;
using DeadlineGuard.Json;
using DeadlineGuard.Tests.Policy;
using DeadlineGuard.Tests.Support;

namespace DeadlineGuard.Tests.Cli;

public sealed class ReviewCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("review-").FullName;

    private static async Task<(int Exit, string Out, string Err)> Run(string stdin, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await Commands.RunAsync(["review", .. args], new StringReader(stdin), output, error);
        return (exit, output.ToString(), error.ToString());
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllText(path, text);
        return path;
    }

    private const string Compliant = """
        apiVersion: argoproj.io/v1alpha1
        kind: Rollout
        metadata: { name: good, namespace: team-a }
        spec:
          progressDeadlineSeconds: 300
          progressDeadlineAbort: true
          template: { spec: { containers: [ { name: app, image: nginx } ] } }
        """;

    private const string TooLong = """
        apiVersion: argoproj.io/v1alpha1
        kind: Rollout
        metadata: { name: slow }
        spec:
          progressDeadlineSeconds: 7200
          template: { spec: { containers: [ { name: app, image: nginx } ] } }
        """;

    [Fact]
    public async Task The_readme_examples_review_as_the_readme_shows()
    {
        var examples = Path.Combine(TestPaths.RepositoryRoot, "examples");
        var (exit, output, error) = await Run(string.Empty, Path.Combine(examples, "rollouts"));

        exit.ShouldBe(Commands.Denied);
        error.ShouldBeEmpty();
        output.ShouldContain("ALLOWED  Rollout team-a/checkout");
        output.ShouldContain("patch:     add /spec/progressDeadlineSeconds 600");
        output.ShouldContain("DENIED   Rollout team-b/search");
        output.ShouldContain("3 Rollouts reviewed: 2 allowed, 1 denied;");

        (exit, output, error) = await Run(string.Empty, "--policy", Path.Combine(examples, "policy.yaml"), "--output", "json", Path.Combine(examples, "rollouts"));
        exit.ShouldBe(Commands.Denied, error);
        var results = JsonNode.Parse(output)!["results"]!.AsArray();
        results.Select(r => (string)r!["verdict"]!).ShouldBe(["allowed", "allowed", "denied"]);
    }

    [SkippableFact]
    public async Task The_upstream_fixtures_get_a_verdict_each_and_the_too_short_deadline_is_denied()
    {
        TestPaths.RequireArgoFixtures();
        var (exit, output, error) = await Run(string.Empty, TestPaths.ArgoFixtures);

        exit.ShouldBe(Commands.Denied);
        error.ShouldBeEmpty();
        output.ShouldContain("DENIED   Rollout default/rollout-canary-with-pause");
        output.ShouldContain("violation: spec.progressDeadlineSeconds is 5; it must be at least 30 (policy bounds 30-3600)");
        output.ShouldContain("ALLOWED  Rollout default/rollout-bluegreen");
        output.ShouldContain("patch:     add /spec/progressDeadlineSeconds 600");
        output.ShouldContain("9 Rollouts reviewed: 8 allowed, 1 denied;");
    }

    [Fact]
    public async Task All_allowed_exits_zero()
    {
        var (exit, output, _) = await Run(string.Empty, Write("good.yaml", Compliant));

        exit.ShouldBe(Commands.Ok);
        output.ShouldContain("ALLOWED  Rollout team-a/good");
        output.ShouldNotContain("patch:");
    }

    [Fact]
    public async Task Json_output_carries_verdict_violations_and_patch_per_rollout()
    {
        var (exit, output, _) = await Run(Compliant + "\n---\n" + TooLong, "--output", "json", "-");

        exit.ShouldBe(Commands.Denied);
        var report = JsonNode.Parse(output)!.AsObject();
        var results = report["results"]!.AsArray();
        results.Count.ShouldBe(2);
        results[0]!["verdict"]!.GetValue<string>().ShouldBe("allowed");
        results[1]!["namespace"]!.GetValue<string>().ShouldBe("default");
        results[1]!["verdict"]!.GetValue<string>().ShouldBe("denied");
        var violation = results[1]!["violations"]![0]!;
        violation["field"]!.GetValue<string>().ShouldBe("spec.progressDeadlineSeconds");
        violation["found"]!.GetValue<string>().ShouldBe("7200");
        violation["required"]!.GetValue<string>().ShouldBe("it must be at most 3600 (policy bounds 30-3600)");
        results[1]!["patch"]!.ToJsonString().ShouldBe("""[{"op":"add","path":"/spec/progressDeadlineAbort","value":true}]""");
        report["summary"]!["denied"]!.GetValue<int>().ShouldBe(1);
    }

    [Fact]
    public async Task A_policy_file_changes_the_verdict()
    {
        var policy = Write("policy.yaml", """
            apiVersion: deadline-guard.io/v1
            kind: DeadlinePolicy
            spec:
              overrides:
                - namespaces: ["default"]
                  action: Warn
                  bounds: { maxSeconds: 7200 }
            """);

        var (exit, output, _) = await Run(string.Empty, "--policy", policy, Write("slow.yaml", TooLong));

        exit.ShouldBe(Commands.Ok);
        output.ShouldContain("ALLOWED  Rollout default/slow");
    }

    [Fact]
    public async Task Warn_verdicts_list_the_warnings_and_exit_zero()
    {
        var policy = Write("policy.yaml", "apiVersion: deadline-guard.io/v1\nkind: DeadlinePolicy\nspec: { action: Warn }\n");

        var (exit, output, _) = await Run(string.Empty, "--policy", policy, Write("slow.yaml", TooLong));

        exit.ShouldBe(Commands.Ok);
        output.ShouldContain("WARNED   Rollout default/slow");
        output.ShouldContain("warning:   spec.progressDeadlineSeconds is 7200; it must be at most 3600");
    }

    [Fact]
    public async Task Namespace_flag_names_the_namespace_of_manifests_without_one()
    {
        var (_, output, _) = await Run(TooLong, "-n", "payments", "-");

        output.ShouldContain("Rollout payments/slow");
    }

    [Fact]
    public async Task A_kubectl_list_is_reviewed_item_by_item()
    {
        var list = """
            {"apiVersion":"v1","kind":"List","items":[
              {"apiVersion":"argoproj.io/v1alpha1","kind":"Rollout","metadata":{"name":"a","namespace":"x"},"spec":{"progressDeadlineSeconds":60,"progressDeadlineAbort":true}},
              {"apiVersion":"argoproj.io/v1alpha1","kind":"Rollout","metadata":{"name":"b","namespace":"x"},"spec":{"progressDeadlineSeconds":60,"progressDeadlineAbort":true}}]}
            """;

        var (exit, output, _) = await Run(string.Empty, Write("list.json", list));

        exit.ShouldBe(Commands.Ok);
        output.ShouldContain("2 Rollouts reviewed: 2 allowed");
    }

    public static TheoryData<string, string[], string> UsageErrors => new()
    {
        { "no path", [], "no PATH given" },
        { "unknown option", ["--frobnicate", "x.yaml"], "unknown option '--frobnicate'" },
        { "bad output format", ["--output", "xml", "x.yaml"], "--output must be text or json, found 'xml'" },
        { "policy without a file", ["--policy"], "--policy needs a file" },
    };

    [Theory]
    [MemberData(nameof(UsageErrors))]
    public async Task Usage_errors_exit_two_with_a_message(string because, string[] args, string message)
    {
        var (exit, _, error) = await Run(string.Empty, args);

        exit.ShouldBe(Commands.Usage, because);
        error.ShouldContain(message, Case.Sensitive, because);
    }

    [Fact]
    public async Task Unreadable_input_exits_two_after_reviewing_what_could_be_read()
    {
        var good = Write("good.yaml", Compliant);
        var broken = Write("broken.yaml", "kind: Rollout\nspec: [unclosed\n");

        var (exit, output, error) = await Run(string.Empty, good, broken, Path.Combine(_folder, "missing.yaml"));

        exit.ShouldBe(Commands.Usage);
        output.ShouldContain("ALLOWED  Rollout team-a/good");
        error.ShouldContain("broken.yaml: not valid YAML at line");
        error.ShouldContain("missing.yaml: no such file or directory");
    }

    [Fact]
    public async Task A_bad_policy_file_exits_two_listing_its_problems()
    {
        var policy = Write("policy.yaml", "apiVersion: deadline-guard.io/v1\nkind: DeadlinePolicy\nspec: { action: Block }\n");

        var (exit, _, error) = await Run(string.Empty, "--policy", policy, Write("good.yaml", Compliant));

        exit.ShouldBe(Commands.Usage);
        error.ShouldContain("spec.action: must be one of Deny, Warn, Audit, found \"Block\"");
    }

    [Fact]
    public async Task Help_describes_the_exit_codes()
    {
        var (exit, output, _) = await Run(string.Empty, "--help");

        exit.ShouldBe(Commands.Ok);
        output.ShouldContain("Exit codes: 0 all allowed, 1 any denied, 2 usage error or unreadable input.");
    }

    // Issue 13, item 6: hostile input ends review at once with exit code 2 and one line naming the file and the problem.

    /// <summary>Each input is refused in milliseconds; the bound only keeps a regression from hanging the run.</summary>
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    /// <summary>Every attack on the policy file, as a manifest (a directory given as PATH is searched, not refused).</summary>
    public static TheoryData<string> ManifestAttacks => [.. HostileInput.Names.Where(name => name != "directory")];

    [Theory]
    [MemberData(nameof(ManifestAttacks))]
    public async Task A_hostile_manifest_is_one_line_naming_it_and_the_other_files_are_still_reviewed(string attack)
    {
        var attackFile = Path.Combine(_folder, "attack.yaml");
        HostileInput.Write(attack, attackFile);

        var (exit, output, error) = await Run(string.Empty, Write("a.yaml", Compliant), attackFile, Write("b.yaml", TooLong)).WaitAsync(Bound);

        exit.ShouldBe(Commands.Usage);
        output.ShouldContain("ALLOWED  Rollout team-a/good");
        output.ShouldContain("DENIED   Rollout default/slow");
        var line = Lines(error).ShouldHaveSingleItem();
        line.ShouldStartWith($"webhook review: {attackFile}: ");
        line.ShouldContain(HostileInput.Reasons[attack]);
    }

    [Fact]
    public async Task A_device_given_as_path_is_refused_without_being_read()
    {
        var (exit, _, error) = await Run(string.Empty, "/dev/zero").WaitAsync(Bound);

        exit.ShouldBe(Commands.Usage);
        Lines(error).ShouldHaveSingleItem().ShouldBe("webhook review: /dev/zero: cannot be read: is a character device, not a regular file");
    }

    [Fact]
    public async Task In_a_directory_a_fifo_or_device_with_a_manifest_name_is_refused_and_the_rest_reviewed()
    {
        Write("good.yaml", Compliant);
        HostileInput.MakeFifo(Path.Combine(_folder, "pipe.yaml"));
        File.CreateSymbolicLink(Path.Combine(_folder, "zero.yml"), "/dev/zero");

        var (exit, output, error) = await Run(string.Empty, _folder).WaitAsync(Bound);

        exit.ShouldBe(Commands.Usage);
        output.ShouldContain("1 Rollout reviewed: 1 allowed");
        Lines(error).ShouldBe([
            $"webhook review: {Path.Combine(_folder, "pipe.yaml")}: cannot be read: is a FIFO (named pipe), not a regular file",
            $"webhook review: {Path.Combine(_folder, "zero.yml")}: cannot be read: is a character device, not a regular file"]);
    }

    /// <summary>
    /// Symbolic links to directories are not followed (kubectl's filepath.Walk does not follow them either), so a
    /// link to a parent cannot make the search loop; links to files are read.
    /// </summary>
    [Fact]
    public async Task A_link_to_a_parent_directory_does_not_loop_and_links_to_files_are_read()
    {
        var sub = Directory.CreateDirectory(Path.Combine(_folder, "apps", "sub")).FullName;
        File.WriteAllText(Path.Combine(sub, "good.yaml"), Compliant);
        File.CreateSymbolicLink(Path.Combine(sub, "loop"), "..");
        File.CreateSymbolicLink(Path.Combine(sub, "loop.yaml"), "..");
        var outside = Directory.CreateDirectory(Path.Combine(_folder, "elsewhere")).FullName;
        File.WriteAllText(Path.Combine(outside, "slow.yaml"), TooLong);
        File.CreateSymbolicLink(Path.Combine(_folder, "apps", "linked-folder"), outside);
        File.CreateSymbolicLink(Path.Combine(_folder, "apps", "linked.yaml"), Path.Combine(outside, "slow.yaml"));

        var (exit, output, error) = await Run(string.Empty, Path.Combine(_folder, "apps")).WaitAsync(Bound);

        error.ShouldBeEmpty();
        exit.ShouldBe(Commands.Denied);
        output.ShouldContain($"ALLOWED  Rollout team-a/good  ({Path.Combine(_folder, "apps", "sub", "good.yaml")}, document 1, line 1)");
        output.ShouldContain($"DENIED   Rollout default/slow  ({Path.Combine(_folder, "apps", "linked.yaml")}, document 1, line 1)");
        output.ShouldContain("2 Rollouts reviewed: 1 allowed, 1 denied;");
    }

    public static TheoryData<string, string, string> DuplicateKeys => new()
    {
        { "dup.yaml", "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata:\n  name: a\n  name: b\n", "dup.yaml: not valid YAML at line 5, column 3: duplicate key \"name\" in one mapping" },
        { "dup.json", "{\"apiVersion\": \"argoproj.io/v1alpha1\", \"kind\": \"Rollout\",\n \"metadata\": {\"uid\": \"a\",\n  \"uid\": \"b\"}}", "dup.json: not valid JSON at line 3: duplicate key \"uid\" in one object" },
        { "surrogate.yaml", "kind: Rollout\nmetadata: { name: \"\\ud800\" }\n", "surrogate.yaml: not valid YAML at line 2, column 19: While scanning a quoted scalar, found invalid Unicode surrogates." },
        { "surrogate.json", "{\"kind\": \"Rollout\",\n\"metadata\": {\"name\": \"\\ud800\"}}", "surrogate.json: not valid JSON at line 2: a string holds an escape that is not valid UTF-16" },
        { "surrogate-key.json", "{\"\\udc00\": 1}", "surrogate-key.json: not valid JSON at line 1: a member name holds an escape that is not valid UTF-16" },
    };

    /// <summary>kubectl and the API server refuse these; review says which key or escape, and where.</summary>
    [Theory]
    [MemberData(nameof(DuplicateKeys))]
    public async Task Duplicate_keys_and_lone_surrogates_are_refused_with_the_key_and_line(string name, string content, string expected)
    {
        var path = Write(name, content);

        var (exit, _, error) = await Run(string.Empty, path).WaitAsync(Bound);

        exit.ShouldBe(Commands.Usage);
        Lines(error).ShouldHaveSingleItem().ShouldStartWith($"webhook review: {Path.Combine(_folder, expected)}");
    }

    [Fact]
    public void Stdin_past_the_size_limit_is_refused()
    {
        var problems = new List<string>();
        var small = YamlLimits.Manifest with { MaxBytes = 1024 };

        ManifestReader.Read(["-"], new StringReader(new string('#', 2048)), problems, small).ShouldBeEmpty();

        problems.ShouldBe(["(stdin): cannot be read: is larger than 1024 bytes, the limit for a manifest file"]);
    }

    /// <summary>Issue 13, item 7: the deadline is read as kubectl sends it (go-yaml v2: 030 is octal 24, 0x258 is 600, 1_000 is 1000).</summary>
    [Theory]
    [InlineData("030", "DENIED   Rollout default/octal", "spec.progressDeadlineSeconds is 24; it must be at least 30")]
    [InlineData("0x258", "ALLOWED  Rollout default/octal", null)]
    [InlineData("1_000", "ALLOWED  Rollout default/octal", null)]
    [InlineData("\"030\"", "DENIED   Rollout default/octal", "spec.progressDeadlineSeconds is \"030\" (a string)")]
    public async Task A_yaml_1_1_integer_is_judged_as_the_cluster_reads_it(string spelling, string verdict, string? violation)
    {
        var manifest = $"apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {{ name: octal }}\nspec:\n  progressDeadlineSeconds: {spelling}\n  progressDeadlineAbort: true\n";

        var (_, output, _) = await Run(manifest, "-");

        output.ShouldContain(verdict);
        if (violation is not null)
        {
            output.ShouldContain(violation);
        }
    }

    public static TheoryData<string> CrashingInputs => ["deep nesting", "billion laughs", "lone surrogate escape", "duplicate key", "link to /dev/zero", "FIFO", "50 MB file"];

    /// <summary>
    /// The same attacks against the built program in a child process, under a 256 MiB heap: before the fix,
    /// deep nesting ended it with a stack overflow (exit 134), the bomb grew to 9.9 GB, /dev/zero ran out of memory.
    /// </summary>
    [Theory]
    [MemberData(nameof(CrashingInputs))]
    public async Task The_built_program_exits_two_at_once_on_a_hostile_manifest(string attack)
    {
        var attackFile = Path.Combine(_folder, "attack.yaml");
        HostileInput.Write(attack, attackFile);

        var (exit, _, stderr, took) = await ChildProgram.RunAsync(Bound, "review", Write("good.yaml", Compliant), attackFile);

        exit.ShouldBe(Commands.Usage, string.Join(Environment.NewLine, stderr));
        var line = stderr.ShouldHaveSingleItem();
        line.ShouldStartWith($"webhook review: {attackFile}: ");
        line.ShouldContain(HostileInput.Reasons[attack]);
        took.ShouldBeLessThan(Bound);
    }

    [Fact]
    public async Task The_built_program_searches_a_directory_that_links_to_its_parent_once()
    {
        var sub = Directory.CreateDirectory(Path.Combine(_folder, "apps", "sub")).FullName;
        File.WriteAllText(Path.Combine(sub, "good.yaml"), Compliant);
        File.CreateSymbolicLink(Path.Combine(sub, "parent"), "..");

        var (exit, stdout, stderr, _) = await ChildProgram.RunAsync(Bound, "review", Path.Combine(_folder, "apps"));

        exit.ShouldBe(Commands.Ok, string.Join(Environment.NewLine, stderr));
        stdout.ShouldContain(line => line.StartsWith("1 Rollout reviewed: 1 allowed", StringComparison.Ordinal));
    }

    /// <summary>One manifest per pitfall: a compliant, otherwise pitfall-free BlueGreen Rollout changed in one place.</summary>
    private static string WithPitfall(string id) => id switch
    {
        "DG100" => Manifest(id, annotations: "deadline-guard.io/ignore-pitfalls: \"DG1O2\""),
        "DG101" => Manifest(id, strategy: "blueGreen: { activeService: web }"),
        "DG102" => Manifest(id, container: "{ name: app, image: nginx }"),
        "DG103" => Manifest(id, deadline: 60, container: "{ name: app, image: nginx, readinessProbe: { tcpSocket: { port: 80 } }, startupProbe: { tcpSocket: { port: 80 }, periodSeconds: 10, failureThreshold: 30 } }"),
        "DG104" => Manifest(id, strategy: "blueGreen: { activeService: web, abortScaleDownDelaySeconds: 0, autoPromotionEnabled: false }"),
        _ => Manifest(id, strategy: "canary: { abortScaleDownDelaySeconds: 0, trafficRouting: { nginx: { stableIngress: web } } }"),
    };

    private static string Manifest(
        string id,
        string annotations = "{}",
        int deadline = 600,
        string strategy = "blueGreen: { activeService: web, abortScaleDownDelaySeconds: 0 }",
        string container = "{ name: app, image: nginx, readinessProbe: { tcpSocket: { port: 80 } } }") => $$"""
        apiVersion: argoproj.io/v1alpha1
        kind: Rollout
        metadata:
          name: {{id.ToLowerInvariant()}}
          namespace: team-a
          annotations: {{(annotations == "{}" ? "{}" : "{ " + annotations + " }")}}
        spec:
          progressDeadlineSeconds: {{deadline}}
          progressDeadlineAbort: true
          template: { spec: { containers: [ {{container}} ] } }
          strategy: { {{strategy}} }
        """;

    public static TheoryData<string, string> EachPitfall => new()
    {
        { "DG100", "low" }, { "DG101", "high" }, { "DG102", "high" }, { "DG103", "medium" }, { "DG104", "medium" }, { "DG105", "medium" },
    };

    [Theory]
    [MemberData(nameof(EachPitfall))]
    public async Task Review_prints_each_pitfall_with_its_id_and_severity_in_text_and_json(string id, string severity)
    {
        var path = Write(id + ".yaml", WithPitfall(id));

        var (exit, output, error) = await Run(string.Empty, path);

        exit.ShouldBe(Commands.Ok, error);
        Lines(output).Where(l => l.StartsWith("pitfall:", StringComparison.Ordinal)).Select(l => l.Split(' ', 4, StringSplitOptions.RemoveEmptyEntries)[1..3])
            .ShouldHaveSingleItem().ShouldBe([id, $"({severity})"]);

        (exit, output, error) = await Run(string.Empty, "--output", "json", path);
        exit.ShouldBe(Commands.Ok, error);
        var result = JsonNode.Parse(output)!["results"]![0]!;
        result["pitfalls"]!.AsArray().Select(p => ((string)p!["id"]!, (string)p["severity"]!)).ShouldBe([(id, severity)]);
        result["allowed"]!.GetValue<bool>().ShouldBeTrue();
    }

    [Fact]
    public async Task Review_always_reports_pitfalls_a_reconciler_would_cover_and_lists_what_was_ignored_and_not_judged()
    {
        var policy = Write("policy.yaml", """
            apiVersion: deadline-guard.io/v1
            kind: DeadlinePolicy
            spec:
              pitfalls: { ignore: [DG102] }
            """);
        var byReference = """
            apiVersion: argoproj.io/v1alpha1
            kind: Rollout
            metadata: { name: by-ref, namespace: team-a, annotations: { deadline-guard.io/ignore-pitfalls: DG104 } }
            spec:
              progressDeadlineSeconds: 600
              progressDeadlineAbort: true
              workloadRef: { apiVersion: apps/v1, kind: Deployment, name: web }
              strategy: { canary: { trafficRouting: { nginx: { stableIngress: web } }, steps: [ { pause: {} } ] } }
            """;
        var path = Write("rollouts.yaml", WithPitfall("DG102") + "\n---\n" + byReference);

        var (exit, output, error) = await Run(string.Empty, "--policy", policy, "--output", "json", path);

        exit.ShouldBe(Commands.Ok, error);
        var results = JsonNode.Parse(output)!["results"]!.AsArray();
        results[0]!["pitfalls"]!.AsArray().ShouldBeEmpty();
        results[0]!["ignoredPitfalls"]!.AsArray().Select(p => ((string)p!["id"]!, (string)p["reason"]!)).ShouldBe([("DG102", "policy")]);
        results[1]!["pitfalls"]!.AsArray().Select(p => (string)p!["id"]!).ShouldBe(["DG101", "DG105"], "review cannot know a reconciler runs");
        results[1]!["ignoredPitfalls"]!.AsArray().Select(p => ((string)p!["id"]!, (string)p["reason"]!)).ShouldBe([("DG104", "annotation")]);
        results[1]!["pitfallNotes"]!.AsArray().ShouldHaveSingleItem()!.GetValue<string>().ShouldContain("Deployment/web (spec.workloadRef)");

        (_, output, _) = await Run(string.Empty, "--policy", policy, path);
        Lines(output).ShouldContain("ignored:   DG102 (high), ignored by the policy");
        Lines(output).ShouldContain(l => l.StartsWith("note:", StringComparison.Ordinal) && l.Contains("DG102 and DG103 were not judged", StringComparison.Ordinal));
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}

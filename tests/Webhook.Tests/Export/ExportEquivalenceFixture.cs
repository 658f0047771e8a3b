using System.Text.Json.Nodes;
using DeadlineGuard.Export;
using DeadlineGuard.Policy;
using DeadlineGuard.Tests.Support;

namespace DeadlineGuard.Tests.Export;

/// <summary>
/// The test policy, the webhook running it (in process, through its HTTP contract), its export, and the export's
/// answers for every row in every namespace, computed in one node run the first time a test asks.
/// </summary>
public sealed class ExportEquivalenceFixture : IAsyncLifetime, IAsyncDisposable
{
    /// <summary>A policy whose overrides, exemptions and bounds each change some answer; see <see cref="Namespaces"/>.</summary>
    public const string PolicyYaml = """
        apiVersion: deadline-guard.io/v1
        kind: DeadlinePolicy
        spec:
          inject: true
          defaults: { progressDeadlineSeconds: 600, progressDeadlineAbort: true }
          bounds: { minSeconds: 30, maxSeconds: 3600 }
          requireAbort: true
          action: Deny
          exemptions:
            annotation: deadline-guard.io/exempt
            allowedIn: ["sandbox-*"]
            namespaces: ["kube-system", "legacy-?"]
          overrides:
            - namespaces: ["team-a-*"]
              action: Warn
              bounds: { maxSeconds: 7200 }
            - namespaces: ["team-b-*", "qa"]
              action: Audit
              requireAbort: false
              defaults: { progressDeadlineSeconds: 900, progressDeadlineAbort: false }
            - namespaces: ["batch-*"]
              bounds: { minSeconds: 700, maxSeconds: 800 }
              defaults: { progressDeadlineSeconds: 750 }
            - namespaces: ["team-a-legacy", "manual"]
              inject: false
              action: Audit
        """;

    public const string User = "alice@example.com";

    /// <summary>One namespace per distinction the policy makes, and the ones the chart keeps from the webhooks.</summary>
    public static IReadOnlyList<EquivalenceNamespace> Namespaces { get; } =
    [
        new("default", "no override: Deny, bounds 30-3600"),
        new("team-a-dev", "override 0: Warn, bounds 30-7200"),
        new("team-a-legacy", "listed by override 3 but override 0 matches first"),
        new("team-b-x", "override 1: Audit, abort not required, defaults 900/false"),
        new("qa", "override 1 by its second glob"),
        new("batch-7", "override 2: bounds 700-800, default 750"),
        new("manual", "override 3: no injection, Audit"),
        new("sandbox-1", "the exemption annotation is honoured"),
        new("legacy-1", "an exempt namespace by the glob legacy-?"),
        new("legacy-10", "not exempt: '?' is one character"),
        new("kube-system", "exempt, and never sent to the webhooks by the chart", SeenByChart: false),
        new("opted-out", "labelled deadline-guard.io/ignore=true", SeenByChart: false, OptOutLabel: ExportOptions.DefaultOptOutLabel),
    ];

    private readonly Lazy<IReadOnlyDictionary<string, JsonObject>> _cel;
    private PolicyFile? _file;
    private WebhookFactory? _factory;

    public ExportEquivalenceFixture()
    {
        Policy = PolicyDocumentReader.Parse(PolicyYaml, "equivalence policy");
        Export = AdmissionPolicyExporter.Export(Policy, new ExportOptions { PolicySource = "the equivalence test policy" }).ToYaml();
        _cel = new Lazy<IReadOnlyDictionary<string, JsonObject>>(
            () => ExportedPolicyCel.Evaluate(Export, AllCases()), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public DeadlinePolicy Policy { get; }

    public string Export { get; }

    public HttpClient Client { get; private set; } = null!;

    /// <summary>The export's answers by case id (row id @ namespace); skips the calling test when node is missing.</summary>
    public IReadOnlyDictionary<string, JsonObject> Cel => _cel.Value;

    public static string CaseId(string rowId, string @namespace) => $"{rowId} @ {@namespace}";

    /// <summary>The row's Rollout in a namespace, as a user would send it (numbers as written).</summary>
    public static JsonObject InNamespace(JsonObject rollout, string @namespace)
    {
        var copy = rollout.DeepClone().AsObject();
        var metadata = copy["metadata"] as JsonObject ?? new JsonObject();
        copy["metadata"] = metadata;
        metadata["namespace"] = @namespace;
        metadata["name"] ??= "web";
        return copy;
    }

    private static IEnumerable<CelCase> AllCases()
    {
        foreach (var (id, rollout) in EquivalenceRows.All())
        {
            foreach (var ns in Namespaces)
            {
                yield return new CelCase(CaseId(id, ns.Name), ns.Name, ns.Labels, "CREATE", User, InNamespace(rollout, ns.Name));
            }
        }

        foreach (var row in ControllerRow.All)
        {
            yield return row.Case();
        }
    }

    public Task InitializeAsync()
    {
        _file = new PolicyFile(PolicyYaml);
        _factory = new WebhookFactory(new Dictionary<string, string?> { ["Policy:File"] = _file.FilePath });
        Client = _factory.CreateClient();
        return Task.CompletedTask;
    }

    async ValueTask IAsyncDisposable.DisposeAsync() => await DisposeAsync();

    public async Task DisposeAsync()
    {
        Client.Dispose();
        if (_factory is not null)
        {
            await _factory.DisposeAsync();
        }

        _file?.Dispose();
    }
}

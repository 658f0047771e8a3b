using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using DeadlineGuard.Policy;
using DeadlineGuard.Tests.Support;

namespace DeadlineGuard.Tests.Policy;

/// <summary>policy.schema.json is the one definition of the policy file: the types that read it and the problems it reports follow it.</summary>
public sealed class PolicySchemaTests
{
    private static readonly JsonNode Schema = JsonNode.Parse(PolicySchema.Text)!;

    [Fact]
    public void The_embedded_schema_is_the_file_in_the_repository()
    {
        var file = Path.Combine(TestPaths.RepositoryRoot, "src", "Webhook", "Policy", "policy.schema.json");

        PolicySchema.Text.ShouldBe(File.ReadAllText(file));
    }

    [Fact]
    public void The_document_types_read_exactly_the_fields_the_schema_defines_with_its_types()
    {
        var mismatches = new List<string>();
        Compare(Schema, PolicyJsonContext.Default.PolicyDocument, "(document)", mismatches);

        mismatches.ShouldBeEmpty();
    }

    /// <summary>Walks an object schema and a type's JSON contract side by side: the same names, each of the matching type.</summary>
    private static void Compare(JsonNode schema, JsonTypeInfo type, string path, List<string> mismatches)
    {
        schema = Resolved(schema);
        var properties = schema["properties"]!.AsObject();
        var members = type.Properties.ToDictionary(p => p.Name, StringComparer.Ordinal);
        foreach (var name in members.Keys.Except(properties.Select(p => p.Key)))
        {
            mismatches.Add($"{path}.{name}: read by {type.Type.Name} but not in the schema");
        }

        foreach (var (name, child) in properties)
        {
            if (!members.TryGetValue(name, out var member))
            {
                mismatches.Add($"{path}.{name}: in the schema but {type.Type.Name} does not read it");
                continue;
            }

            var field = Resolved(child!);
            var clr = Nullable.GetUnderlyingType(member.PropertyType) ?? member.PropertyType;
            var schemaType = field["type"]!.GetValue<string>();
            switch (schemaType)
            {
                case "object" when clr == typeof(JsonElement):
                    break; // metadata: any mapping, not read
                case "object":
                    Compare(field, PolicyJsonContext.Default.GetTypeInfo(clr)!, $"{path}.{name}", mismatches);
                    break;
                case "array" when clr.IsGenericType && clr.GetGenericTypeDefinition() == typeof(List<>):
                    var item = clr.GetGenericArguments()[0];
                    var items = Resolved(field["items"]!);
                    if (items["type"]!.GetValue<string>() == "object")
                    {
                        Compare(items, PolicyJsonContext.Default.GetTypeInfo(item)!, $"{path}.{name}[]", mismatches);
                    }
                    else
                    {
                        Check(items, item, $"{path}.{name}[]", mismatches);
                    }

                    break;
                default:
                    Check(field, clr, $"{path}.{name}", mismatches);
                    break;
            }
        }
    }

    private static void Check(JsonNode field, Type clr, string path, List<string> mismatches)
    {
        var expected = (field["type"]!.GetValue<string>(), field["enum"] is not null) switch
        {
            ("integer", _) => typeof(int),
            ("boolean", _) => typeof(bool),
            ("string", true) => typeof(PolicyAction),
            ("string", false) => typeof(string),
            var other => throw new InvalidOperationException($"{path}: no type for {other}"),
        };
        if (clr != expected)
        {
            mismatches.Add($"{path}: the schema says {field["type"]}, the type reads {clr.Name}");
        }
        else if (clr.IsEnum)
        {
            field["enum"]!.AsArray().Select(v => v!.GetValue<string>()).ShouldBe(Enum.GetNames(clr), path);
        }
    }

    private static JsonNode Resolved(JsonNode node) =>
        node["$ref"] is JsonValue reference
            ? Schema["definitions"]![reference.GetValue<string>()["#/definitions/".Length..]]!
            : node;

    private const string Header = "apiVersion: deadline-guard.io/v1\nkind: DeadlinePolicy\n";

    [Theory]
    [InlineData("600", 600)]
    [InlineData("600.0", 600)]
    [InlineData("6e2", 600)]
    [InlineData("0x258", 600)]
    [InlineData("2147483647", int.MaxValue)]
    public void A_whole_number_is_read_in_any_spelling_YAML_gives_it(string spelling, int expected)
    {
        var policy = PolicyDocumentReader.Parse(Header + $"spec:\n  bounds: {{ maxSeconds: {spelling} }}\n", "numbers.yaml");

        policy.Bounds.MaxSeconds.ShouldBe(expected);
    }

    public static TheoryData<string, string, string> SingleProblems => new()
    {
        { "a fraction", "spec:\n  bounds: { maxSeconds: 1.5 }\n", "spec.bounds.maxSeconds: must be a whole number, found 1.5" },
        { "beyond 32 bits", "spec:\n  bounds: { maxSeconds: 1e99 }\n", "spec.bounds.maxSeconds: must be at most 2147483647, found 1e99" },
        { "beyond 32 bits in an override", "spec:\n  overrides: [{ namespaces: [a], bounds: { minSeconds: 4294967296 } }]\n",
            "spec.overrides[0].bounds.minSeconds: must be at most 2147483647, found 4294967296" },
        { "a number where a name belongs, reported as its type alone", "spec:\n  action: 3\n", "spec.action: must be a string, found 3" },
        { "a lower-case action", "spec:\n  action: deny\n", "spec.action: must be one of Deny, Warn, Audit, found \"deny\" (a string)" },
        { "null where a mapping belongs", "spec:\n  bounds:\n", "spec.bounds: must be a mapping, found null" },
        { "an override without namespaces", "spec:\n  overrides: [{ action: Warn }]\n", "spec.overrides[0].namespaces: is required, found nothing" },
        { "a list item of the wrong type", "spec:\n  exemptions: { namespaces: [kube-system, 7] }\n", "spec.exemptions.namespaces[1]: must be a string, found 7" },
        { "a glob too long", $"spec:\n  exemptions: {{ allowedIn: [{new string('a', 64)}] }}\n",
            "spec.exemptions.allowedIn[0]: \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa… is not a namespace glob (1 to 63" },
        { "a list of mappings where a mapping belongs", "spec:\n  overrides: { namespaces: [a] }\n", "spec.overrides: must be a list, found a mapping" },
        { "an unknown field at the top", "metadata: { name: x }\nspec: {}\nstatus: {}\n", "status: unknown field (known here: apiVersion, kind, metadata, spec)" },
    };

    [Theory]
    [MemberData(nameof(SingleProblems))]
    public void A_mismatch_is_one_problem_naming_the_path_what_was_found_and_what_is_expected(string because, string spec, string expected)
    {
        var error = Should.Throw<PolicyException>(() => PolicyDocumentReader.Parse(Header + spec, "bad.yaml"), because);

        error.Problems.ShouldHaveSingleItem(because).ToString().ShouldStartWith(expected, customMessage: because);
    }

    [Fact]
    public void Without_apiVersion_and_kind_both_are_named_with_the_value_they_must_have()
    {
        var error = Should.Throw<PolicyException>(() => PolicyDocumentReader.Parse("spec: {}\n", "bare.yaml"));

        error.Problems.Select(p => p.ToString()).ShouldBe(
            ["apiVersion: must be deadline-guard.io/v1, found nothing", "kind: must be DeadlinePolicy, found nothing"], ignoreOrder: true);
    }

    [Fact]
    public void Thousands_of_problems_in_one_list_or_mapping_are_each_listed_at_their_own_path()
    {
        var globs = string.Join(", ", Enumerable.Range(0, 3000).Select(i => $"Bad_{i}"));
        var fields = string.Concat(Enumerable.Range(0, 3000).Select(i => $"    typo{i}: 1\n"));

        var error = Should.Throw<PolicyException>(() =>
            PolicyDocumentReader.Parse(Header + $"spec:\n  exemptions:\n    namespaces: [{globs}]\n  bounds:\n{fields}", "wide.yaml"));

        error.Problems.Count.ShouldBe(6000);
        error.Problems.ShouldContain(p => p.Path == "spec.exemptions.namespaces[2999]" && p.Message.StartsWith("\"Bad_2999\" is not a namespace glob", StringComparison.Ordinal));
        error.Problems.ShouldContain(p => p.Path == "spec.bounds.typo2999" && p.Message.StartsWith("unknown field", StringComparison.Ordinal));
    }
}

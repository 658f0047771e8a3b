using System.Globalization;
using System.Text.Json;
using DeadlineGuard.Json;
using Json.Schema;

namespace DeadlineGuard.Policy;

/// <summary>
/// The policy file's shape: <c>policy.schema.json</c>, embedded in the program, is the one definition of its fields and
/// their types. A document is checked against it and every mismatch becomes a <see cref="PolicyProblem"/> at a dotted
/// path (<c>spec.overrides[0].bounds.minSeconds</c>) that says what was found and what is expected.
/// </summary>
public static class PolicySchema
{
    public const string ResourceName = "DeadlineGuard.Policy.policy.schema.json";

    private static readonly Lazy<string> LazyText = new(ReadResource);
    private static readonly Lazy<JsonElement> LazyDefinition = new(() => JsonDocument.Parse(LazyText.Value).RootElement);
    private static readonly Lazy<JsonSchema> LazyCompiled = new(() =>
        JsonSchema.Build(LazyDefinition.Value, new BuildOptions { SchemaRegistry = new SchemaRegistry() }));

    private static readonly EvaluationOptions Flag = new() { OutputFormat = OutputFormat.Flag };
    private static readonly EvaluationOptions List = new() { OutputFormat = OutputFormat.List };

    /// <summary>The schema as embedded (JSON Schema draft-07).</summary>
    public static string Text => LazyText.Value;

    /// <summary>
    /// Checks a document against the schema, adding a problem for each mismatch. Returns whether the document can be
    /// read into the policy types: false when a value has the wrong type, an unknown field or a value outside its
    /// list; true when it is sound or only breaks a limit (a minimum, a pattern), so the rules between fields can
    /// still be checked and every problem reported at once.
    /// </summary>
    public static bool Check(JsonElement document, List<PolicyProblem> problems)
    {
        ArgumentNullException.ThrowIfNull(problems);
        var schema = LazyCompiled.Value;
        if (schema.Evaluate(document, Flag).IsValid)
        {
            return true;
        }

        var found = new List<(string Location, string Keyword, bool Typed, PolicyProblem Problem)>();
        Collect(schema.Evaluate(document, List), new InstanceIndex(document), found);

        // A value of the wrong type is reported as that alone, not also as outside its list or range.
        var mistyped = found.Where(f => f.Keyword == "type").Select(f => f.Location).ToHashSet(StringComparer.Ordinal);
        foreach (var (location, keyword, _, problem) in found)
        {
            if (keyword == "type" || !mistyped.Contains(location))
            {
                problems.Add(problem);
            }
        }

        return found.TrueForAll(f => f.Typed);
    }

    private static void Collect(EvaluationResults results, InstanceIndex document, List<(string, string, bool, PolicyProblem)> found)
    {
        if (results.Errors is { } errors)
        {
            var location = results.InstanceLocation.ToString();
            var (instance, path) = document.At(location);
            var evaluationPath = results.EvaluationPath.ToString();
            var rule = SchemaAt(evaluationPath);
            foreach (var (keyword, detail) in errors)
            {
                foreach (var (at, typed, message) in Describe(keyword, detail, evaluationPath, rule, instance))
                {
                    var field = at is null ? path : Child(path, at);
                    found.Add((location, keyword, typed, new PolicyProblem(field.Length == 0 ? "(file)" : field, message)));
                }
            }
        }

        foreach (var nested in results.Details ?? [])
        {
            Collect(nested, document, found);
        }
    }

    /// <summary>What one failed keyword means for the value found: the field (when it is a child), whether the value still has its type, the message.</summary>
    private static IEnumerable<(string? Child, bool Typed, string Message)> Describe(
        string keyword, string detail, string evaluationPath, JsonElement rule, JsonElement found)
    {
        var value = JsonValues.Describe(found);
        switch (keyword)
        {
            case "" when rule.ValueKind == JsonValueKind.False:
                // additionalProperties: false; the fields known here are its object's properties.
                var owner = SchemaAt(evaluationPath[..evaluationPath.LastIndexOf('/')]);
                var known = owner.GetProperty("properties").EnumerateObject().Select(p => p.Name);
                yield return (null, false, $"unknown field (known here: {string.Join(", ", known)})");
                break;
            case "type":
                yield return (null, false, $"must be {Expected(rule)}, found {value}");
                break;
            case "enum":
                var allowed = rule.GetProperty("enum").EnumerateArray().Select(e => e.ToString());
                yield return (null, false, $"must be one of {string.Join(", ", allowed)}, found {value}");
                break;
            case "const":
                yield return (null, true, $"must be {rule.GetProperty("const")}, found {value}");
                break;
            case "required":
                foreach (var name in rule.GetProperty("required").EnumerateArray().Select(n => n.GetString()!))
                {
                    if (!found.TryGetProperty(name, out _))
                    {
                        yield return (name, true, rule.GetProperty("properties").GetProperty(name).TryGetProperty("const", out var only)
                            ? $"must be {only}, found nothing"
                            : "is required, found nothing");
                    }
                }

                break;
            case "minimum" or "maximum":
                // Beyond 32 bits the number cannot be read into the policy at all.
                yield return (null, JsonValues.TryGetInt32(found, out _), $"must be {Range(rule, keyword)}, found {value}");
                break;
            case "minItems":
                var least = rule.GetProperty("minItems").GetInt32();
                yield return (null, true, $"must list at least {least} {(least == 1 ? "item" : "items")}, found {found.GetArrayLength()}");
                break;
            case "pattern":
                yield return (null, true, $"{Quoted(found)} is not {Description(rule)}");
                break;
            default:
                yield return (null, true, $"{keyword}: {detail}, found {value}");
                break;
        }
    }

    /// <summary>The type a schema node asks for, in the words of a policy author.</summary>
    private static string Expected(JsonElement rule) => rule.GetProperty("type").GetString() switch
    {
        "integer" => "a whole number",
        "boolean" => "true or false",
        "string" => "a string",
        "object" => "a mapping",
        "array" when rule.TryGetProperty("items", out var items) && Resolved(items).TryGetProperty("type", out var itemType)
            && itemType.GetString() == "string" => "a list of strings",
        "array" => "a list",
        var other => other ?? "?",
    };

    /// <summary>The range a number must lie in; the 32-bit ceiling of a bound with no limit of its own is named only when it is what failed.</summary>
    private static string Range(JsonElement rule, string failed)
    {
        var min = rule.TryGetProperty("minimum", out var low) ? low.GetInt64() : (long?)null;
        var max = rule.TryGetProperty("maximum", out var high) ? high.GetInt64() : (long?)null;
        return (min, max, failed) switch
        {
            ({ } a, { } b, _) when b < int.MaxValue => $"between {a} and {b}",
            ({ } a, _, "minimum") => $"at least {a}",
            (_, { } b, _) => $"at most {b}",
            _ => failed,
        };
    }

    private static string Description(JsonElement rule) =>
        rule.TryGetProperty("description", out var text) ? text.GetString()! : $"a match for {rule.GetProperty("pattern")}";

    /// <summary>A string as JSON writes it (escaped, on one line), clipped to 40 characters.</summary>
    private static string Quoted(JsonElement value)
    {
        var json = value.GetRawText();
        return json.Length <= 40 ? json : string.Concat(json.AsSpan(0, 40), "…");
    }

    private static string Child(string path, string name) => path.Length == 0 ? name : $"{path}.{name}";

    /// <summary>The schema node an evaluation path leads to, following <c>$ref</c> into the definitions.</summary>
    private static JsonElement SchemaAt(string evaluationPath)
    {
        var root = LazyDefinition.Value;
        var current = root;
        foreach (var segment in Segments(evaluationPath))
        {
            current = segment == "$ref" ? Resolved(current) : current.ValueKind == JsonValueKind.Array
                ? current[int.Parse(segment, CultureInfo.InvariantCulture)]
                : current.GetProperty(segment);
        }

        return current;
    }

    /// <summary>A node, or the definition its <c>$ref</c> names.</summary>
    private static JsonElement Resolved(JsonElement node)
    {
        if (node.ValueKind != JsonValueKind.Object || !node.TryGetProperty("$ref", out var reference))
        {
            return node;
        }

        var current = LazyDefinition.Value;
        foreach (var segment in Segments(reference.GetString()!.TrimStart('#')))
        {
            current = current.GetProperty(segment);
        }

        return current;
    }

    /// <summary>
    /// The values of a document by JSON pointer, with their dotted paths (<c>spec.overrides[0].bounds</c>, empty for the
    /// document itself). Each mapping and list met is indexed once, so that a file with thousands of problems in one
    /// place costs linear time, not a scan of its siblings per problem.
    /// </summary>
    private sealed class InstanceIndex(JsonElement root)
    {
        private readonly Dictionary<string, (JsonElement Value, string Path)> _known = new(StringComparer.Ordinal) { [string.Empty] = (root, string.Empty) };
        private readonly Dictionary<string, Dictionary<string, JsonElement>> _members = new(StringComparer.Ordinal);
        private readonly Dictionary<string, JsonElement[]> _items = new(StringComparer.Ordinal);

        public (JsonElement Value, string Path) At(string pointer)
        {
            if (_known.TryGetValue(pointer, out var found))
            {
                return found;
            }

            var (current, path) = (root, string.Empty);
            var prefix = string.Empty;
            foreach (var raw in pointer.Split('/', StringSplitOptions.RemoveEmptyEntries))
            {
                var child = prefix + "/" + raw;
                if (!_known.TryGetValue(child, out var next))
                {
                    var segment = Unescape(raw);
                    next = current.ValueKind == JsonValueKind.Array
                        ? (Items(prefix, current)[int.Parse(segment, CultureInfo.InvariantCulture)], $"{path}[{segment}]")
                        : (Members(prefix, current)[segment], path.Length == 0 ? segment : $"{path}.{segment}");
                    _known[child] = next;
                }

                (current, path, prefix) = (next.Value, next.Path, child);
            }

            return (current, path);
        }

        private Dictionary<string, JsonElement> Members(string pointer, JsonElement mapping)
        {
            if (!_members.TryGetValue(pointer, out var members))
            {
                members = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
                foreach (var member in mapping.EnumerateObject())
                {
                    members.TryAdd(member.Name, member.Value);
                }

                _members[pointer] = members;
            }

            return members;
        }

        private JsonElement[] Items(string pointer, JsonElement list)
        {
            if (!_items.TryGetValue(pointer, out var items))
            {
                items = [.. list.EnumerateArray()];
                _items[pointer] = items;
            }

            return items;
        }
    }

    private static string Unescape(string segment) =>
        segment.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);

    private static IEnumerable<string> Segments(string pointer) =>
        pointer.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Unescape);

    private static string ReadResource()
    {
        using var stream = typeof(PolicySchema).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"the embedded resource {ResourceName} is missing from the build");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}

using System.Text.Json;
using System.Text.Json.Nodes;
using DeadlineGuard.Json;

namespace DeadlineGuard.Policy;

/// <summary>
/// Reads typed fields from one JSON object, recording a problem (by path) for every wrong type and
/// every unknown field instead of stopping at the first, so a policy file's author sees all of them.
/// </summary>
internal sealed class JsonFieldReader(JsonObject node, string path, List<PolicyProblem> problems)
{
    private readonly HashSet<string> _known = new(StringComparer.Ordinal);

    public string Path => path;

    public string Child(string name) => path.Length == 0 ? name : $"{path}.{name}";

    private bool TryGet(string name, out JsonNode? value)
    {
        _known.Add(name);
        return node.TryGetPropertyValue(name, out value);
    }

    public int Int(string name, int fallback) => OptionalInt(name) ?? fallback;

    public int? OptionalInt(string name)
    {
        if (!TryGet(name, out var value))
        {
            return null;
        }

        if (JsonValues.TryGetInt32(value, out var number))
        {
            return number;
        }

        problems.Add(new PolicyProblem(Child(name), $"must be a whole number, found {JsonValues.Describe(value)}"));
        return null;
    }

    public bool Bool(string name, bool fallback) => OptionalBool(name) ?? fallback;

    public bool? OptionalBool(string name)
    {
        if (!TryGet(name, out var value))
        {
            return null;
        }

        if (value is JsonValue v && v.GetValueKind() is JsonValueKind.True or JsonValueKind.False)
        {
            return v.GetValue<bool>();
        }

        problems.Add(new PolicyProblem(Child(name), $"must be true or false, found {JsonValues.Describe(value)}"));
        return null;
    }

    public string String(string name, string fallback) => OptionalString(name) ?? fallback;

    public string? OptionalString(string name)
    {
        if (!TryGet(name, out var value))
        {
            return null;
        }

        if (value is JsonValue v && v.GetValueKind() == JsonValueKind.String)
        {
            return v.GetValue<string>();
        }

        problems.Add(new PolicyProblem(Child(name), $"must be a string, found {JsonValues.Describe(value)}"));
        return null;
    }

    public TEnum? OptionalEnum<TEnum>(string name)
        where TEnum : struct, Enum
    {
        var text = OptionalString(name);
        if (text is null)
        {
            return null;
        }

        foreach (var candidate in Enum.GetValues<TEnum>())
        {
            if (string.Equals(candidate.ToString(), text, StringComparison.Ordinal))
            {
                return candidate;
            }
        }

        problems.Add(new PolicyProblem(Child(name), $"must be one of {string.Join(", ", Enum.GetNames<TEnum>())}, found \"{text}\""));
        return null;
    }

    public IReadOnlyList<string> StringList(string name, IReadOnlyList<string> fallback) => OptionalStringList(name) ?? fallback;

    public IReadOnlyList<string>? OptionalStringList(string name)
    {
        if (!TryGet(name, out var value))
        {
            return null;
        }

        if (value is not JsonArray array)
        {
            problems.Add(new PolicyProblem(Child(name), $"must be a list of strings, found {JsonValues.Describe(value)}"));
            return null;
        }

        var items = new List<string>(array.Count);
        for (var i = 0; i < array.Count; i++)
        {
            if (array[i] is JsonValue item && item.GetValueKind() == JsonValueKind.String)
            {
                items.Add(item.GetValue<string>());
            }
            else
            {
                problems.Add(new PolicyProblem($"{Child(name)}[{i}]", $"must be a string, found {JsonValues.Describe(array[i])}"));
            }
        }

        return items;
    }

    /// <summary>A nested object's reader, or null when the field is absent or not an object (the latter recorded).</summary>
    public JsonFieldReader? Object(string name)
    {
        if (!TryGet(name, out var value))
        {
            return null;
        }

        if (value is JsonObject child)
        {
            return new JsonFieldReader(child, Child(name), problems);
        }

        problems.Add(new PolicyProblem(Child(name), $"must be a mapping, found {JsonValues.Describe(value)}"));
        return null;
    }

    public IEnumerable<JsonFieldReader> ObjectList(string name)
    {
        if (!TryGet(name, out var value))
        {
            yield break;
        }

        if (value is not JsonArray array)
        {
            problems.Add(new PolicyProblem(Child(name), $"must be a list, found {JsonValues.Describe(value)}"));
            yield break;
        }

        for (var i = 0; i < array.Count; i++)
        {
            if (array[i] is JsonObject item)
            {
                yield return new JsonFieldReader(item, $"{Child(name)}[{i}]", problems);
            }
            else
            {
                problems.Add(new PolicyProblem($"{Child(name)}[{i}]", $"must be a mapping, found {JsonValues.Describe(array[i])}"));
            }
        }
    }

    public void Report(string name, string message) => problems.Add(new PolicyProblem(Child(name), message));

    /// <summary>Records every field that no reader asked for: a typo must not be silently ignored.</summary>
    public void RejectUnknown()
    {
        foreach (var (name, _) in node)
        {
            if (!_known.Contains(name))
            {
                problems.Add(new PolicyProblem(Child(name), $"unknown field (known here: {string.Join(", ", _known)})"));
            }
        }
    }
}

using System.Text.Json.Nodes;

namespace DeadlineGuard.Tests.Support.FakeKube;

/// <summary>
/// A label selector of equality terms as the API server parses them: "a=b", "a==b", "a!=b", "a" (exists),
/// "!a" (absent), joined by commas. Set-based terms ("in", "notin") are refused with 400.
/// </summary>
public sealed class LabelSelector
{
    private readonly List<Func<JsonObject?, bool>> terms = [];

    private LabelSelector()
    {
    }

    public static LabelSelector Everything { get; } = new();

    /// <summary>True when the selector has no terms: every object matches.</summary>
    public bool IsEverything => terms.Count == 0;

    public static LabelSelector Parse(string? text)
    {
        var selector = new LabelSelector();
        if (string.IsNullOrWhiteSpace(text))
        {
            return selector;
        }

        foreach (var raw in text.Split(','))
        {
            var term = raw.Trim();
            if (term.Contains(" in ", StringComparison.Ordinal) || term.Contains(" notin ", StringComparison.Ordinal) || term.Contains('(', StringComparison.Ordinal))
            {
                throw FakeKubeStatusException.BadRequest($"unable to parse requirement: the fake API server supports only equality selectors, not \"{term}\"");
            }

            if (term.Split("!=", 2) is [var nk, var nv])
            {
                var (key, value) = (nk.Trim(), nv.Trim());
                selector.terms.Add(labels => Label(labels, key) != value);
            }
            else if (term.Split("==", 2) is [var dk, var dv])
            {
                var (key, value) = (dk.Trim(), dv.Trim());
                selector.terms.Add(labels => Label(labels, key) == value);
            }
            else if (term.Split('=', 2) is [var ek, var ev])
            {
                var (key, value) = (ek.Trim(), ev.Trim());
                selector.terms.Add(labels => Label(labels, key) == value);
            }
            else if (term.StartsWith('!'))
            {
                var key = term[1..].Trim();
                selector.terms.Add(labels => Label(labels, key) is null);
            }
            else if (term.Length > 0)
            {
                selector.terms.Add(labels => Label(labels, term) is not null);
            }
        }

        return selector;
    }

    public bool Matches(JsonObject obj) => terms.TrueForAll(term => term(obj["metadata"]?["labels"] as JsonObject));

    private static string? Label(JsonObject? labels, string key) =>
        labels?[key] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;
}

/// <summary>A field selector limited to what controllers use: metadata.name and metadata.namespace with = / == / !=.</summary>
public sealed class FieldSelector
{
    private readonly List<Func<JsonObject, bool>> terms = [];

    private FieldSelector()
    {
    }

    public static FieldSelector Everything { get; } = new();

    /// <summary>True when the selector has no terms: every object matches.</summary>
    public bool IsEverything => terms.Count == 0;

    public static FieldSelector Parse(string? text)
    {
        var selector = new FieldSelector();
        if (string.IsNullOrWhiteSpace(text))
        {
            return selector;
        }

        foreach (var raw in text.Split(','))
        {
            var term = raw.Trim();
            var negate = term.Contains("!=", StringComparison.Ordinal);
            var parts = term.Split(negate ? "!=" : (term.Contains("==", StringComparison.Ordinal) ? "==" : "="), 2);
            if (parts is not [var field, var value] || field.Trim() is not ("metadata.name" or "metadata.namespace"))
            {
                throw FakeKubeStatusException.BadRequest($"field selector \"{term}\": the fake API server supports only metadata.name and metadata.namespace");
            }

            var property = field.Trim()["metadata.".Length..];
            var wanted = value.Trim();
            selector.terms.Add(obj =>
            {
                var actual = obj["metadata"]?[property] is JsonValue v && v.TryGetValue<string>(out var s) ? s : string.Empty;
                return (actual == wanted) != negate;
            });
        }

        return selector;
    }

    public bool Matches(JsonObject obj) => terms.TrueForAll(term => term(obj));
}

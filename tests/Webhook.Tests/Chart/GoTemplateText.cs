using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace DeadlineGuard.Tests.Chart;

/// <summary>One template action, <c>{{ ... }}</c>, with its 1-based line and its text without delimiters and trim markers.</summary>
public sealed record TemplateAction(int Line, string Text)
{
    /// <summary>The first word: if, else, end, range, with, define, block, include, toYaml, ...</summary>
    public string Keyword => Text.Split([' ', '\t', '('], 2, StringSplitOptions.RemoveEmptyEntries) is [var first, ..] ? first : string.Empty;

    public bool Opens => Keyword is "if" or "range" or "with" or "define" or "block";
}

/// <summary>
/// Reads Helm (Go text/template) files without a helm binary: checks that actions and blocks are
/// balanced, and turns a template into the YAML it would render with the chart's default values, as far
/// as that can be known statically. What it does:
/// <list type="bullet">
/// <item>comments are dropped; every other action must fit on one line (this chart's style);</item>
/// <item>of each if/with/range block only the first branch is kept, once; else branches are dropped;</item>
/// <item>a whole-line <c>include "name" ... | nindent N</c> is replaced by the define's body, treated the same way;</item>
/// <item>a whole-line <c>toYaml .Values.path | nindent N</c> becomes the default value, as a JSON flow node;</item>
/// <item>an inline <c>.Values.path</c> (optionally <c>| quote</c>) becomes its default scalar value, and so does a
/// variable assigned one (<c>$x := .Values.path</c>) or a string literal, and a string argument of the include's
/// <c>dict</c> (<c>.path</c> in <c>include "x" (dict "root" . "path" "/mutate")</c>);</item>
/// <item>any other inline action becomes the placeholder <see cref="Placeholder"/>; other whole-line actions vanish.</item>
/// </list>
/// </summary>
public sealed partial class GoTemplateText
{
    public const string Placeholder = "TEMPLATE";

    private readonly JsonNode? _values;
    private readonly IReadOnlyDictionary<string, string> _defines;

    public GoTemplateText(JsonNode? values, IReadOnlyDictionary<string, string> defines)
    {
        _values = values;
        _defines = defines;
    }

    /// <summary>Every problem with actions and blocks: unclosed <c>{{</c>, multi-line actions, else/end without a block, unclosed blocks.</summary>
    public static IReadOnlyList<string> StructureProblems(string text)
    {
        var problems = new List<string>();
        var stack = new Stack<TemplateAction>();
        foreach (var action in Actions(text, problems))
        {
            switch (action.Keyword)
            {
                case var k when action.Opens:
                    if (k == "define" && stack.Count > 0)
                    {
                        problems.Add($"line {action.Line}: define inside a block ({stack.Peek().Keyword} on line {stack.Peek().Line})");
                    }

                    stack.Push(action);
                    break;
                case "else":
                    if (stack.Count == 0 || stack.Peek().Keyword is not ("if" or "with" or "range"))
                    {
                        problems.Add($"line {action.Line}: else outside an if/with/range block");
                    }

                    break;
                case "end":
                    if (stack.Count == 0)
                    {
                        problems.Add($"line {action.Line}: end without a block to close");
                    }
                    else
                    {
                        stack.Pop();
                    }

                    break;
            }
        }

        problems.AddRange(stack.Select(open => $"line {open.Line}: {open.Keyword} is never closed by an end"));
        return problems;
    }

    /// <summary>The actions of a template, comments excluded; malformed delimiters are reported into <paramref name="problems"/>.</summary>
    public static IEnumerable<TemplateAction> Actions(string text, List<string>? problems = null)
    {
        var index = 0;
        while ((index = text.IndexOf("{{", index, StringComparison.Ordinal)) >= 0)
        {
            var line = LineOf(text, index);
            var isComment = CommentStart().IsMatch(text.AsSpan(index));
            var close = isComment
                ? text.IndexOf("*/", index, StringComparison.Ordinal) is var c and >= 0 ? text.IndexOf("}}", c, StringComparison.Ordinal) : -1
                : text.IndexOf("}}", index + 2, StringComparison.Ordinal);
            if (close < 0)
            {
                problems?.Add($"line {line}: '{{{{' is never closed by '}}}}'");
                yield break;
            }

            var inner = text[(index + 2)..close];
            var nested = inner.IndexOf("{{", StringComparison.Ordinal);
            if (!isComment && nested >= 0)
            {
                problems?.Add($"line {line}: '{{{{' opens again inside an action before '}}}}'");
                index += 2 + nested;
                continue;
            }

            if (!isComment && inner.Contains('\n', StringComparison.Ordinal))
            {
                problems?.Add($"line {line}: an action spans several lines");
            }

            index = close + 2;
            if (!isComment)
            {
                yield return new TemplateAction(line, Trim(inner));
            }
        }
    }

    /// <summary>The <c>define</c>s of a helpers file, name to body.</summary>
    public static Dictionary<string, string> Defines(string helpers)
    {
        var text = WithoutComments(helpers);
        var defines = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (Match open in DefineStart().Matches(text))
        {
            var bodyStart = open.Index + open.Length;
            var depth = 1;
            foreach (Match action in ActionPattern().Matches(text[bodyStart..]))
            {
                var keyword = new TemplateAction(0, Trim(action.Groups["inner"].Value));
                depth += keyword.Opens ? 1 : keyword.Keyword == "end" ? -1 : 0;
                if (depth == 0)
                {
                    defines[open.Groups["name"].Value] = text.Substring(bodyStart, action.Index).Trim('\n', '\r');
                    break;
                }
            }
        }

        return defines;
    }

    /// <summary>The YAML the template would render with the default values, as far as it can be known statically (see the class).</summary>
    public string StaticYaml(string template) =>
        string.Join('\n', StaticLines(WithoutComments(template), new Dictionary<string, JsonNode?>(StringComparer.Ordinal), depth: 0));

    /// <param name="names">Known values of <c>$variables</c> and of the include's <c>.parameters</c>, keyed "$x" and ".x".</param>
    private IEnumerable<string> StaticLines(string text, Dictionary<string, JsonNode?> names, int depth)
    {
        if (depth > 10)
        {
            throw new InvalidOperationException("includes nested more than 10 deep");
        }

        // Each entry: is this block's current branch kept?
        var kept = new Stack<bool>();
        var lines = text.Split('\n');
        foreach (var raw in lines)
        {
            var line = raw.TrimEnd('\r');
            var actions = ActionPattern().Matches(line);
            var isWholeLine = actions.Count > 0 && ActionPattern().Replace(line, string.Empty).Trim().Length == 0;
            var visible = kept.All(k => k);
            if (!isWholeLine)
            {
                if (visible)
                {
                    yield return ActionPattern().Replace(line, m => InlineValue(Trim(m.Groups["inner"].Value), names));
                }

                continue;
            }

            foreach (Match match in actions)
            {
                var action = new TemplateAction(0, Trim(match.Groups["inner"].Value));
                switch (action.Keyword)
                {
                    case var _ when action.Opens:
                        kept.Push(true);
                        break;
                    case "else":
                        if (kept.Count > 0)
                        {
                            kept.Pop();
                            kept.Push(false);
                        }

                        break;
                    case "end":
                        if (kept.Count > 0)
                        {
                            kept.Pop();
                        }

                        break;
                    case "include" when visible && IncludeCall().Match(action.Text) is { Success: true } include:
                        var indent = include.Groups["indent"].Success
                            ? int.Parse(include.Groups["indent"].Value, CultureInfo.InvariantCulture)
                            : line.Length - line.TrimStart().Length;
                        if (_defines.TryGetValue(include.Groups["name"].Value, out var body))
                        {
                            var parameters = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
                            foreach (Match argument in DictStringArgument().Matches(include.Groups["args"].Value))
                            {
                                parameters["." + argument.Groups["key"].Value] = JsonValue.Create(argument.Groups["value"].Value);
                            }

                            foreach (var bodyLine in StaticLines(body, parameters, depth + 1))
                            {
                                yield return bodyLine.Length == 0 ? bodyLine : new string(' ', indent) + bodyLine;
                            }
                        }

                        break;
                    case var _ when visible && Assignment().Match(action.Text) is { Success: true } assignment:
                        names["$" + assignment.Groups["name"].Value] = assignment.Groups["literal"].Success
                            ? JsonValue.Create(assignment.Groups["literal"].Value)
                            : Lookup(assignment.Groups["path"].Value)?.DeepClone();
                        break;
                    case "toYaml" when visible && ToYamlCall().Match(action.Text) is { Success: true } toYaml
                                                && Lookup(toYaml.Groups["path"].Value) is { } value:
                        yield return new string(' ', int.Parse(toYaml.Groups["indent"].Value, CultureInfo.InvariantCulture)) + value.ToJsonString();
                        break;
                }
            }
        }
    }

    /// <summary>An inline action's stand-in: a default value where it is a plain .Values lookup, else the placeholder.</summary>
    private string InlineValue(string action, Dictionary<string, JsonNode?> names)
    {
        var match = ValuesLookup().Match(action);
        var known = match.Success ? Lookup(match.Groups["path"].Value) : null;
        if (!match.Success && NameLookup().Match(action) is { Success: true } name && names.TryGetValue(name.Groups["name"].Value, out var named))
        {
            match = name;
            known = named;
        }

        if (known is not JsonValue value)
        {
            return action.StartsWith("if ", StringComparison.Ordinal) || action is "end" or "else" ? string.Empty : Placeholder;
        }

        var text = value.GetValueKind() == System.Text.Json.JsonValueKind.String ? value.GetValue<string>() : value.ToJsonString();
        return match.Groups["quote"].Success ? JsonValue.Create(text).ToJsonString() : text;
    }

    /// <summary>The default value at a dotted .Values path, or null when there is none.</summary>
    public JsonNode? Lookup(string dottedPath)
    {
        var node = _values;
        foreach (var part in dottedPath.Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            node = node is JsonObject obj && obj.TryGetPropertyValue(part, out var child) ? child : null;
            if (node is null)
            {
                return null;
            }
        }

        return node;
    }

    public static string WithoutComments(string text) => Comment().Replace(text, string.Empty);

    private static string Trim(string inner) => inner.Trim().TrimStart('-').TrimEnd('-').Trim();

    private static int LineOf(string text, int index) => text.AsSpan(0, index).Count('\n') + 1;

    [GeneratedRegex(@"^\{\{-?\s*/\*")]
    private static partial Regex CommentStart();

    [GeneratedRegex(@"\{\{-?\s*/\*.*?\*/\s*-?\}\}\n?", RegexOptions.Singleline)]
    private static partial Regex Comment();

    [GeneratedRegex(@"\{\{(?<inner>.*?)\}\}")]
    private static partial Regex ActionPattern();

    [GeneratedRegex(@"\{\{-?\s*define\s+""(?<name>[^""]+)""\s*-?\}\}")]
    private static partial Regex DefineStart();

    [GeneratedRegex(@"^include\s+""(?<name>[^""]+)""(?<args>[^|]*)(\|\s*nindent\s+(?<indent>\d+)\s*)?$")]
    private static partial Regex IncludeCall();

    [GeneratedRegex(@"^toYaml\s+\$?(\.root)?\.Values\.(?<path>[A-Za-z0-9_.]+)\s*\|\s*nindent\s+(?<indent>\d+)$")]
    private static partial Regex ToYamlCall();

    [GeneratedRegex(@"^\$?(\.root)?\.Values\.(?<path>[A-Za-z0-9_.]+)(?<quote>\s*\|\s*quote)?$")]
    private static partial Regex ValuesLookup();

    [GeneratedRegex(@"^(?<name>\$[A-Za-z0-9_]+|\.[A-Za-z0-9_]+)(?<quote>\s*\|\s*quote)?$")]
    private static partial Regex NameLookup();

    [GeneratedRegex(@"^\$(?<name>[A-Za-z0-9_]+)\s*:=\s*(""(?<literal>[^""]*)""|\$?(\.root)?\.Values\.(?<path>[A-Za-z0-9_.]+))$")]
    private static partial Regex Assignment();

    [GeneratedRegex(@"""(?<key>[A-Za-z0-9_]+)""\s+""(?<value>[^""]*)""")]
    private static partial Regex DictStringArgument();
}

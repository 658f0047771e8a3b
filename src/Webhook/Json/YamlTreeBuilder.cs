using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace DeadlineGuard.Json;

/// <summary>
/// Builds JSON trees from a YAML parser's events, without recursion, counting as it goes so that no
/// input can outgrow its <see cref="YamlLimits"/>: nesting is checked when a mapping or sequence opens,
/// and an alias is priced (values, characters, height) before it is copied. Aliases and merge keys
/// (<c>&lt;&lt;</c>) are expanded as go-yaml v2 expands them when kubectl reads a manifest.
/// </summary>
internal sealed partial class YamlTreeBuilder(YamlLimits limits)
{
    // go-yaml v2 decode.go allowedAliasRatio: up to 400,000 decoded values 99% may come from aliases,
    // from 4,000,000 on only 10%, linearly in between; checked once 100 aliased and 1,000 values are seen.
    private const long AliasRatioRangeLow = 400_000;
    private const long AliasRatioRangeHigh = 4_000_000;

    private readonly List<YamlDocumentNode> _documents = [];
    private readonly Stack<Frame> _open = new();
    private readonly Dictionary<string, Anchored> _anchors = new(StringComparer.Ordinal);
    private long _values;
    private long _characters;
    private long _decoded;
    private long _aliased;
    private JsonNode? _root;
    private int _rootLine;

    public IReadOnlyList<YamlDocumentNode> Documents => _documents;

    public void Add(ParsingEvent parsingEvent)
    {
        switch (parsingEvent)
        {
            case DocumentStart:
                // Anchors and go-yaml's alias accounting belong to one document (kubectl decodes documents one by one).
                _anchors.Clear();
                _decoded = 0;
                _aliased = 0;
                _root = null;
                _rootLine = 0;
                break;
            case DocumentEnd:
                _documents.Add(new YamlDocumentNode(_documents.Count + 1, _rootLine, _root));
                break;
            case Scalar scalar:
                OnScalar(scalar);
                break;
            case MappingStart mapping:
                Open(new JsonObject(), mapping.Anchor, mapping.Start);
                break;
            case SequenceStart sequence:
                Open(new JsonArray(), sequence.Anchor, sequence.Start);
                break;
            case MappingEnd or SequenceEnd:
                Close();
                break;
            case AnchorAlias alias:
                OnAlias(alias);
                break;
        }
    }

    private void OnScalar(Scalar scalar)
    {
        var tag = scalar.Tag.IsEmpty ? string.Empty : scalar.Tag.Value;
        var plain = scalar.Style == ScalarStyle.Plain;
        Count(1, 0, scalar.Value.Length, scalar.Start);
        var value = Decode(scalar, tag, plain);
        Remember(scalar.Anchor, new Anchored(null, 1, scalar.Value.Length, 0, scalar, value));
        if (_open.TryPeek(out var parent) && parent.ExpectsKey)
        {
            if (GoYamlScalars.IsMergeKey(scalar.Value, tag, plain))
            {
                parent.SetMergeKey();
            }
            else
            {
                parent.SetKey(KeyName(value, scalar.Start), scalar.Start);
            }

            return;
        }

        Place(ToJson(value, scalar), 0, scalar.Start);
    }

    private void Open(JsonNode container, AnchorName anchor, Mark start)
    {
        if (_open.TryPeek(out var parent) && parent.ExpectsKey)
        {
            throw new YamlException(start, start, "a mapping key must be a scalar, not a mapping or sequence (kubectl refuses it)");
        }

        if (_open.Count + 1 > limits.MaxDepth)
        {
            throw new YamlLimitException(start, $"nesting deeper than {limits.MaxDepth} levels, the limit for {limits.Subject}");
        }

        var frame = new Frame(container, anchor.IsEmpty ? null : anchor.Value, start, _values, _characters);
        Count(1, 0, 0, start);
        _open.Push(frame);
    }

    private void Close()
    {
        var frame = _open.Pop();
        if (frame.Anchor is not null)
        {
            _anchors[frame.Anchor] = new Anchored(frame.Node, _values - frame.ValuesBefore, _characters - frame.CharactersBefore, frame.Height, null, null);
        }

        Place(frame.Node, frame.Height, frame.Start);
    }

    private void OnAlias(AnchorAlias alias)
    {
        var name = alias.Value.Value;
        if (!_anchors.TryGetValue(name, out var anchored))
        {
            var reason = _open.Any(f => f.Anchor == name) ? $"anchor '{name}' value contains itself" : $"unknown anchor '{name}' referenced";
            throw new YamlException(alias.Start, alias.End, reason);
        }

        // Priced before it is copied: go-yaml counts the alias and every value it stands for.
        if (_open.Count + anchored.Height > limits.MaxDepth)
        {
            throw new YamlLimitException(alias.Start, $"alias *{name} nests deeper than {limits.MaxDepth} levels, the limit for {limits.Subject}");
        }

        Count(anchored.Values, anchored.Values, anchored.Characters, alias.Start, aliasNodes: 1);
        if (_open.TryPeek(out var parent) && parent.ExpectsKey)
        {
            if (anchored.Source is null)
            {
                throw new YamlException(alias.Start, alias.End, "a mapping key must be a scalar, not a mapping or sequence (kubectl refuses it)");
            }

            parent.SetKey(KeyName(anchored.Decoded, alias.Start), alias.Start);
            return;
        }

        // A merge copies the members it takes; anywhere else the alias becomes a copy of its own.
        var copy = anchored.Source is { } scalar ? ToJson(anchored.Decoded, scalar)
            : parent is { PendingMerge: true } ? anchored.Node
            : anchored.Node!.DeepClone();
        Place(copy, anchored.Height, alias.Start, fromAlias: true);
    }

    /// <summary>Puts a finished value where it belongs: the document root, the next item of a sequence, or a mapping's value.</summary>
    private void Place(JsonNode? node, int height, Mark start, bool fromAlias = false)
    {
        if (!_open.TryPeek(out var parent))
        {
            _root = node;
            _rootLine = (int)start.Line;
            return;
        }

        parent.Height = Math.Max(parent.Height, height + 1);
        switch (parent.Node)
        {
            case JsonArray array:
                array.Add(node);
                break;
            case JsonObject target when parent.PendingMerge:
                Merge(target, node, fromAlias, start);
                parent.ValueDone();
                break;
            case JsonObject target:
                target[parent.PendingKey!] = node;
                parent.ValueDone();
                break;
        }
    }

    /// <summary>
    /// decode.go merge: the value of <c>&lt;&lt;</c> is a mapping, an alias of one, or a sequence of them
    /// (earlier ones take precedence). Its keys are set on the mapping as they come, so a key written before
    /// the merge is overwritten by it and a key written after it overwrites it (go-yaml v2's order).
    /// </summary>
    private static void Merge(JsonObject target, JsonNode? source, bool fromAlias, Mark start)
    {
        switch (source)
        {
            case JsonObject mapping:
                MergeMapping(target, mapping);
                break;
            case JsonArray sequence when !fromAlias && sequence.All(item => item is JsonObject):
                for (var i = sequence.Count - 1; i >= 0; i--)
                {
                    MergeMapping(target, (JsonObject)sequence[i]!);
                }

                break;
            default:
                throw new YamlException(start, start, "map merge requires map or sequence of maps as the value");
        }
    }

    /// <summary>Copies, not moves: the source may be anchored and used again.</summary>
    private static void MergeMapping(JsonObject target, JsonObject source)
    {
        foreach (var (key, value) in source)
        {
            target[key] = value?.DeepClone();
        }
    }

    private static object? Decode(Scalar scalar, string tag, bool plain)
    {
        try
        {
            return GoYamlScalars.Decode(scalar.Value, tag, plain);
        }
        catch (FormatException e)
        {
            throw new YamlException(scalar.Start, scalar.End, e.Message);
        }
    }

    private static string KeyName(object? key, Mark start)
    {
        try
        {
            return GoYamlScalars.KeyName(key);
        }
        catch (FormatException e)
        {
            throw new YamlException(start, start, e.Message);
        }
    }

    /// <summary>The JSON value sigs.k8s.io/yaml writes for a decoded scalar. A number keeps its own spelling when that is JSON.</summary>
    private static JsonNode? ToJson(object? value, Scalar scalar) => value switch
    {
        null => null,
        bool flag => JsonValue.Create(flag),
        string text => JsonValue.Create(text),
        long integer => JsonNode.Parse(integer.ToString(CultureInfo.InvariantCulture)),
        ulong integer => JsonNode.Parse(integer.ToString(CultureInfo.InvariantCulture)),
        double real when !double.IsFinite(real) => throw new YamlException(scalar.Start, scalar.End,
            $"{scalar.Value} is not a finite number and JSON cannot hold it (kubectl refuses it too)"),
        double real => JsonNode.Parse(JsonNumberSpelling(scalar.Value) ?? real.ToString("R", CultureInfo.InvariantCulture)),
        _ => throw new YamlException(scalar.Start, scalar.End, $"unsupported value {scalar.Value}"),
    };

    /// <summary>The scalar's own spelling (without underscores and a leading '+') when JSON takes it as it is: "6e2" stays "6e2".</summary>
    private static string? JsonNumberSpelling(string text)
    {
        var spelling = text.Replace("_", string.Empty, StringComparison.Ordinal);
        spelling = spelling.StartsWith('+') ? spelling[1..] : spelling;
        return JsonNumberSyntax().IsMatch(spelling) ? spelling : null;
    }

    [GeneratedRegex(@"^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?$", RegexOptions.CultureInvariant)]
    private static partial Regex JsonNumberSyntax();

    private void Remember(AnchorName anchor, Anchored anchored)
    {
        if (!anchor.IsEmpty)
        {
            _anchors[anchor.Value] = anchored;
        }
    }

    /// <summary>Adds values and characters to the input's totals and checks every limit before anything is built.</summary>
    private void Count(long values, long aliasedValues, long characters, Mark at, long aliasNodes = 0)
    {
        _values += values;
        _characters += characters;
        _decoded += values + aliasNodes;
        _aliased += aliasedValues;
        if (_values > limits.MaxValues)
        {
            throw new YamlLimitException(at, $"more than {limits.MaxValues} values (aliases expanded), the limit for {limits.Subject}");
        }

        if (_characters > limits.MaxCharacters)
        {
            throw new YamlLimitException(at, $"more than {limits.MaxCharacters} characters of text (aliases expanded), the limit for {limits.Subject}");
        }

        if (_aliased > 100 && _decoded > 1000 && (double)_aliased / _decoded > AllowedAliasRatio(_decoded))
        {
            throw new YamlLimitException(at,
                $"document contains excessive aliasing: {_aliased} of {_decoded} values come from aliases (go-yaml's limit, which kubectl applies)");
        }
    }

    private static double AllowedAliasRatio(long decoded) => decoded switch
    {
        <= AliasRatioRangeLow => 0.99,
        >= AliasRatioRangeHigh => 0.10,
        _ => 0.99 - (0.89 * ((double)(decoded - AliasRatioRangeLow) / (AliasRatioRangeHigh - AliasRatioRangeLow))),
    };

    /// <summary>What an anchor stands for: a mapping or sequence (Node), or a scalar (its event and decoded value: a key needs the type), and its size.</summary>
    private readonly record struct Anchored(JsonNode? Node, long Values, long Characters, int Height, Scalar? Source, object? Decoded);

    /// <summary>A mapping or sequence being read.</summary>
    private sealed class Frame(JsonNode node, string? anchor, Mark start, long valuesBefore, long charactersBefore)
    {
        private HashSet<string>? _keys;

        public JsonNode Node { get; } = node;

        public string? Anchor { get; } = anchor;

        public Mark Start { get; } = start;

        public long ValuesBefore { get; } = valuesBefore;

        public long CharactersBefore { get; } = charactersBefore;

        /// <summary>Levels of nesting inside, counting this one.</summary>
        public int Height { get; set; } = 1;

        public bool ExpectsKey => Node is JsonObject && PendingKey is null && !PendingMerge;

        public string? PendingKey { get; private set; }

        public bool PendingMerge { get; private set; }

        /// <summary>A key written twice in one mapping is an error, as the API server's strict decoding and go-yaml's strict mode make it.</summary>
        public void SetKey(string key, Mark at)
        {
            _keys ??= new HashSet<string>(StringComparer.Ordinal);
            if (!_keys.Add(key))
            {
                throw new YamlException(at, at, $"duplicate key \"{key}\" in one mapping (the API server refuses duplicate fields)");
            }

            PendingKey = key;
        }

        public void SetMergeKey() => PendingMerge = true;

        public void ValueDone()
        {
            PendingKey = null;
            PendingMerge = false;
        }
    }
}

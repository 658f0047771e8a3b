using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace DeadlineGuard.Json;

/// <summary>
/// What kubectl makes of a YAML scalar. kubectl reads YAML with sigs.k8s.io/yaml, which decodes it with
/// go-yaml v2 (go.yaml.in/yaml/v2 v2.4.2, the same code as github.com/go-yaml/yaml v2.4.0) into
/// <c>interface{}</c> and then writes JSON. This is that decoder's scalar resolution (resolve.go
/// <c>resolve</c>, decode.go <c>scalar</c>) and sigs.k8s.io/yaml's key conversion
/// (yaml.go <c>convertToJSONableObject</c>), rule for rule. Results are null, bool, long, ulong, double or string.
/// </summary>
internal static partial class GoYamlScalars
{
    private const string TagPrefix = "tag:yaml.org,2002:";
    private const string StrTag = TagPrefix + "str";
    private const string BoolTag = TagPrefix + "bool";
    private const string IntTag = TagPrefix + "int";
    private const string FloatTag = TagPrefix + "float";
    private const string NullTag = TagPrefix + "null";
    private const string TimestampTag = TagPrefix + "timestamp";
    private const string BinaryTag = TagPrefix + "binary";
    public const string MergeTag = TagPrefix + "merge";

    /// <summary>resolve.go resolveMapList: the spellings looked up whole (YAML 1.1 booleans, nulls, infinities).</summary>
    private static readonly Dictionary<string, (string Tag, object? Value)> Map = BuildMap();

    /// <summary>
    /// A scalar as decode.go <c>scalar</c> decodes it into <c>interface{}</c>: an untagged quoted (or block)
    /// scalar is a string; an untagged plain one is resolved; a tag of the YAML 1.1 types is resolved and
    /// checked; <c>!!binary</c> is base64-decoded; any other tag (<c>!</c> included) leaves the text.
    /// Throws <see cref="FormatException"/> with go-yaml's reason where kubectl would fail.
    /// </summary>
    /// <param name="value">The scalar's text.</param>
    /// <param name="tag">The full tag, empty when there is none.</param>
    /// <param name="plain">True for a plain (unquoted, not block) scalar.</param>
    public static object? Decode(string value, string tag, bool plain)
    {
        if (tag.Length == 0)
        {
            return plain ? Resolve(string.Empty, value) : value;
        }

        if (tag == BinaryTag)
        {
            try
            {
                // Go's string(data) keeps any bytes; its JSON encoder then writes invalid UTF-8 as U+FFFD, as this does.
                return Encoding.UTF8.GetString(System.Convert.FromBase64String(value));
            }
            catch (FormatException)
            {
                throw new FormatException("!!binary value contains invalid base64 data");
            }
        }

        // resolve.go resolvableTag: other tags ("!", "!foo", "!!map" on a scalar) leave the text as it is.
        return tag is StrTag or BoolTag or IntTag or FloatTag or NullTag or TimestampTag ? Resolve(tag, value) : value;
    }

    /// <summary>True for the merge key <c>&lt;&lt;</c> (decode.go <c>isMerge</c>): plain and untagged, or tagged <c>!!merge</c>.</summary>
    public static bool IsMergeKey(string value, string tag, bool plain) => value == "<<" && ((plain && tag.Length == 0) || tag == MergeTag);

    /// <summary>resolve.go <c>resolve(tag, in)</c>, followed by decode.go's rule that a timestamp decodes into <c>interface{}</c> as its text.</summary>
    private static object? Resolve(string tag, string text)
    {
        var (resolvedTag, value) = ResolveUnchecked(tag, text);
        if (tag.Length == 0 || tag == resolvedTag || tag == StrTag)
        {
            return value;
        }

        // resolve.go's deferred check: an explicit tag must match what the text resolves to; !!float also takes an int.
        if (tag == FloatTag && resolvedTag == IntTag && value is long whole)
        {
            return (double)whole;
        }

        throw new FormatException($"cannot decode {Short(resolvedTag)} `{text}` as a {Short(tag)}");
    }

    private static (string Tag, object? Value) ResolveUnchecked(string tag, string text)
    {
        // resolve.go: the first byte hints at the type; a byte outside the table (letters other than
        // yYnNtTfFoO, '_', any non-ASCII) means a string. An empty scalar hints 'N' and is found in the map.
        var hint = text.Length == 0 ? 'N' : Hint(text[0]);
        if (hint == '\0' || tag == StrTag)
        {
            return (StrTag, text);
        }

        if (Map.TryGetValue(text, out var known))
        {
            return known;
        }

        switch (hint)
        {
            case '.':
                // strconv.ParseFloat on a text that starts with '.': only the decimal form can match.
                if (LeadingDotFloat().IsMatch(text) && TryParseFiniteDouble(text, out var fraction))
                {
                    return (FloatTag, fraction);
                }

                break;
            case 'D' or 'S':
                if ((tag.Length == 0 || tag == TimestampTag) && IsTimestamp(text))
                {
                    return (TimestampTag, text);
                }

                // Underscores are dropped everywhere, then strconv.ParseInt / ParseUint with base 0
                // (0x hex, 0o and a bare leading 0 octal, 0b binary), then the YAML float syntax.
                var plain = text.Replace("_", string.Empty, StringComparison.Ordinal);
                if (TryParseGoInt(plain, 0, out var integer))
                {
                    return (IntTag, integer);
                }

                if (TryParseGoUint(plain, 0, out var unsigned))
                {
                    return (IntTag, unsigned);
                }

                if (YamlStyleFloat().IsMatch(plain) && TryParseFiniteDouble(plain, out var real))
                {
                    return (FloatTag, real);
                }

                // resolve.go then retries a "0b" prefix with an explicit base 2, which also takes a sign
                // after the prefix ("0b-1"), and a "-0b" prefix (only lower-case b in both).
                if (plain.StartsWith("0b", StringComparison.Ordinal))
                {
                    if (TryParseGoInt(plain.AsSpan(2), 2, out integer))
                    {
                        return (IntTag, integer);
                    }

                    if (TryParseGoUint(plain.AsSpan(2), 2, out unsigned))
                    {
                        return (IntTag, unsigned);
                    }
                }
                else if (plain.StartsWith("-0b", StringComparison.Ordinal) && TryParseGoInt("-" + plain[3..], 2, out integer))
                {
                    return (IntTag, integer);
                }

                break;
        }

        return (StrTag, text);
    }

    /// <summary>resolve.go resolveTable: 'S' sign, 'D' digit, 'M' may be in the map, '.' float or map, else none.</summary>
    private static char Hint(char first) => first switch
    {
        '+' or '-' => 'S',
        >= '0' and <= '9' => 'D',
        'y' or 'Y' or 'n' or 'N' or 't' or 'T' or 'f' or 'F' or 'o' or 'O' or '~' => 'M',
        '.' => '.',
        _ => '\0',
    };

    private static Dictionary<string, (string Tag, object? Value)> BuildMap()
    {
        var map = new Dictionary<string, (string, object?)>(StringComparer.Ordinal);
        void Add(string tag, object? value, params string[] spellings)
        {
            foreach (var spelling in spellings)
            {
                map[spelling] = (tag, value);
            }
        }

        Add(BoolTag, true, "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON");
        Add(BoolTag, false, "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF");
        Add(NullTag, null, string.Empty, "~", "null", "Null", "NULL");
        Add(FloatTag, double.NaN, ".nan", ".NaN", ".NAN");
        Add(FloatTag, double.PositiveInfinity, ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF");
        Add(FloatTag, double.NegativeInfinity, "-.inf", "-.Inf", "-.INF");
        Add(MergeTag, "<<", "<<");
        return map;
    }

    /// <summary>strconv.ParseInt(s, base, 64) for base 0 or 2: one optional sign, then <see cref="TryParseGoUint"/>, within Int64.</summary>
    internal static bool TryParseGoInt(ReadOnlySpan<char> s, int numberBase, out long value)
    {
        value = 0;
        if (s.IsEmpty)
        {
            return false;
        }

        var negative = s[0] == '-';
        if (s[0] is '+' or '-')
        {
            s = s[1..];
        }

        if (!TryParseGoUint(s, numberBase, out var magnitude))
        {
            return false;
        }

        const ulong cutoff = 1UL << 63;
        if ((!negative && magnitude >= cutoff) || (negative && magnitude > cutoff))
        {
            return false;
        }

        value = negative ? (long)(0 - magnitude) : (long)magnitude;
        return true;
    }

    /// <summary>
    /// strconv.ParseUint(s, base, 64) for base 0 or 2. Base 0 reads a prefix from the first characters:
    /// "0b"/"0B" binary, "0o"/"0O" octal, "0x"/"0X" hex (each only with a digit after it), else a leading
    /// "0" means octal; no prefix means decimal. No sign; every remaining character must be a digit of the base.
    /// </summary>
    internal static bool TryParseGoUint(ReadOnlySpan<char> s, int numberBase, out ulong value)
    {
        value = 0;
        if (s.IsEmpty)
        {
            return false;
        }

        if (numberBase == 0)
        {
            numberBase = 10;
            if (s[0] == '0')
            {
                var second = s.Length >= 3 ? (char)(s[1] | 0x20) : '\0';
                numberBase = second switch
                {
                    'b' => 2,
                    'o' => 8,
                    'x' => 16,
                    _ => 8,
                };
                s = s[(second is 'b' or 'o' or 'x' ? 2 : 1)..];
            }
        }

        foreach (var c in s)
        {
            var lower = (char)(c | 0x20);
            int digit = c switch
            {
                >= '0' and <= '9' => c - '0',
                _ when lower is >= 'a' and <= 'z' => lower - 'a' + 10,
                _ => int.MaxValue,
            };
            if (digit >= numberBase)
            {
                return false;
            }

            var next = unchecked((value * (ulong)numberBase) + (ulong)digit);
            if (value > ulong.MaxValue / (ulong)numberBase || next < value * (ulong)numberBase)
            {
                return false;
            }

            value = next;
        }

        return true;
    }

    /// <summary>strconv.ParseFloat on text already known to be decimal syntax: an overflow to infinity is an error there, so it is here.</summary>
    private static bool TryParseFiniteDouble(string text, out double value) =>
        double.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out value)
        && double.IsFinite(value);

    /// <summary>resolve.go yamlStyleFloat.</summary>
    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$", RegexOptions.CultureInvariant)]
    private static partial Regex YamlStyleFloat();

    /// <summary>What strconv.ParseFloat accepts when the text starts with '.': digits, then an optional exponent (no underscores without a base prefix).</summary>
    [GeneratedRegex(@"^\.[0-9]+([eE][-+]?[0-9]+)?$", RegexOptions.CultureInvariant)]
    private static partial Regex LeadingDotFloat();

    /// <summary>
    /// resolve.go parseTimestamp: four digits and '-', then one of the layouts "2006-1-2T15:4:5.999999999Z07:00"
    /// (T or t), "2006-1-2 15:4:5.999999999" and "2006-1-2", with the field ranges time.Parse checks.
    /// </summary>
    private static bool IsTimestamp(string text)
    {
        var match = Timestamp().Match(text);
        if (!match.Success)
        {
            return false;
        }

        int Field(string name) => match.Groups[name].Success ? int.Parse(match.Groups[name].ValueSpan, CultureInfo.InvariantCulture) : 0;
        var (year, month, day) = (Field("y"), Field("m"), Field("d"));
        return month is >= 1 and <= 12 && day >= 1 && day <= DateTime.DaysInMonth(Math.Max(year, 1), month)
            && Field("h") <= 23 && Field("min") <= 59 && Field("s") <= 59 && Field("zh") <= 24 && Field("zm") <= 59;
    }

    [GeneratedRegex(
        @"^(?<y>[0-9]{4})-(?<m>[0-9]{1,2})-(?<d>[0-9]{1,2})(?:[Tt](?<h>[0-9]{1,2}):(?<min>[0-9]{1,2}):(?<s>[0-9]{1,2})(?:[.,][0-9]+)?(?:Z|[+-](?<zh>[0-9]{2}):(?<zm>[0-9]{2}))| (?<h>[0-9]{1,2}):(?<min>[0-9]{1,2}):(?<s>[0-9]{1,2})(?:[.,][0-9]+)?)?$",
        RegexOptions.CultureInvariant)]
    private static partial Regex Timestamp();

    /// <summary>
    /// A decoded key as sigs.k8s.io/yaml writes it as a JSON member name (yaml.go convertToJSONableObject):
    /// strings as they are, integers in decimal, booleans as true/false, floats as Go's
    /// <c>strconv.FormatFloat(f, 'g', -1, 32)</c> (infinities and NaN as .inf, -.inf, .nan). Null and
    /// integers beyond Int64 (go-yaml's uint64) have no JSON name: kubectl fails, and so does this.
    /// </summary>
    public static string KeyName(object? key) => key switch
    {
        string text => text,
        long integer => integer.ToString(CultureInfo.InvariantCulture),
        bool flag => flag ? "true" : "false",
        double real => FormatFloat32G(real),
        null => throw new FormatException("a null mapping key has no JSON name (kubectl refuses it)"),
        _ => throw new FormatException($"the mapping key {key} is beyond a 64-bit integer and has no JSON name (kubectl refuses it)"),
    };

    /// <summary>Go's <c>strconv.FormatFloat(f, 'g', -1, 32)</c>: the shortest digits of the float32, %e when the exponent is below -4 or at least 6.</summary>
    internal static string FormatFloat32G(double value)
    {
        var single = (float)value;
        if (float.IsNaN(single))
        {
            return ".nan";
        }

        if (float.IsInfinity(single))
        {
            return single > 0 ? ".inf" : "-.inf";
        }

        // .NET's round-trip format gives the same shortest digits; take them apart into digits and a point position.
        var shortest = single.ToString("R", CultureInfo.InvariantCulture);
        var negative = shortest.StartsWith('-');
        var body = negative ? shortest[1..] : shortest;
        var exponentAt = body.IndexOf('E', StringComparison.Ordinal);
        var exponent = exponentAt < 0 ? 0 : int.Parse(body.AsSpan(exponentAt + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        var mantissa = exponentAt < 0 ? body : body[..exponentAt];
        var dot = mantissa.IndexOf('.', StringComparison.Ordinal);
        var digits = mantissa.Replace(".", string.Empty, StringComparison.Ordinal);
        var point = (dot < 0 ? mantissa.Length : dot) + exponent;
        var leadingZeros = digits.Length - digits.TrimStart('0').Length;
        digits = digits.TrimStart('0').TrimEnd('0');
        point -= leadingZeros;
        if (digits.Length == 0)
        {
            return negative ? "-0" : "0";
        }

        var sign = negative ? "-" : string.Empty;
        var exp = point - 1;
        if (exp is < -4 or >= 6)
        {
            var fraction = digits.Length > 1 ? "." + digits[1..] : string.Empty;
            var magnitude = Math.Abs(exp).ToString("00", CultureInfo.InvariantCulture);
            return $"{sign}{digits[0]}{fraction}e{(exp < 0 ? '-' : '+')}{magnitude}";
        }

        if (point <= 0)
        {
            return $"{sign}0.{new string('0', -point)}{digits}";
        }

        return point >= digits.Length
            ? sign + digits + new string('0', point - digits.Length)
            : $"{sign}{digits[..point]}.{digits[point..]}";
    }

    private static string Short(string tag) => tag.StartsWith(TagPrefix, StringComparison.Ordinal) ? "!!" + tag[TagPrefix.Length..] : tag;
}

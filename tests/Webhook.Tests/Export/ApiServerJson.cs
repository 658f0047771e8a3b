using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DeadlineGuard.Tests.Export;

/// <summary>
/// A Rollout's JSON as the Kubernetes API server holds it and passes it on. The API server decodes a request body
/// into unstructured values, trying each number as int64 first and as float64 otherwise
/// (k8s.io/apimachinery/pkg/util/json, convertNumber). CEL then sees an int or a double; a webhook gets the value
/// encoded again by Go's encoding/json: an int64 as its digits, a float64 in the shortest form that reads back the
/// same, with an exponent only below 1e-6 or from 1e21 on ("60.0" becomes 60, "1e99" becomes 1e+99).
/// </summary>
public static class ApiServerJson
{
    /// <summary>A copy with every number as the API server would encode it for a webhook.</summary>
    public static JsonNode? ForWebhook(JsonNode? node) => Map(node, number => JsonNode.Parse(GoText(number)));

    /// <summary>A copy with every number as { "$number": "its JSON text" }, for tests/cel/export-policy.mjs.</summary>
    public static JsonNode? Tagged(JsonNode? node) => Map(node, number => new JsonObject { ["$number"] = number });

    /// <summary>The inverse of <see cref="Tagged"/>.</summary>
    public static JsonNode? Untagged(JsonNode? node) => node switch
    {
        JsonObject { Count: 1 } obj when obj["$number"] is JsonValue text && text.GetValueKind() == JsonValueKind.String => JsonNode.Parse(text.GetValue<string>()),
        JsonObject obj => new JsonObject(obj.Select(p => KeyValuePair.Create(p.Key, Untagged(p.Value)))),
        JsonArray array => new JsonArray([.. array.Select(Untagged)]),
        _ => node?.DeepClone(),
    };

    private static JsonNode? Map(JsonNode? node, Func<string, JsonNode?> number) => node switch
    {
        JsonObject obj => new JsonObject(obj.Select(p => KeyValuePair.Create(p.Key, Map(p.Value, number)))),
        JsonArray array => new JsonArray([.. array.Select(item => Map(item, number))]),
        JsonValue value when value.GetValueKind() == JsonValueKind.Number => number(value.ToJsonString()),
        _ => node?.DeepClone(),
    };

    /// <summary>How Go's encoding/json writes the value the API server decoded from this JSON number text.</summary>
    public static string GoText(string json)
    {
        if (long.TryParse(json, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var whole))
        {
            return whole.ToString(CultureInfo.InvariantCulture);
        }

        var f = double.Parse(json, NumberStyles.Float, CultureInfo.InvariantCulture);
        var (negative, digits, exponent) = Shortest(f);
        var abs = Math.Abs(f);
        if (abs != 0 && (abs < 1e-6 || abs >= 1e21))
        {
            // strconv 'e' with the shortest digits, then encoding/json turns e-07 into e-7.
            var mantissa = digits.Length == 1 ? digits : digits[..1] + "." + digits[1..];
            var e = exponent - 1;
            var sign = e < 0 ? "-" : "+";
            var magnitude = Math.Abs(e).ToString(CultureInfo.InvariantCulture);
            if (magnitude.Length < 2 && e >= 0)
            {
                magnitude = "0" + magnitude;
            }

            return (negative ? "-" : string.Empty) + mantissa + "e" + sign + magnitude;
        }

        // strconv 'f' with the shortest digits.
        var text = new StringBuilder(negative ? "-" : string.Empty);
        if (exponent <= 0)
        {
            text.Append("0.").Append('0', -exponent).Append(digits);
        }
        else if (exponent >= digits.Length)
        {
            text.Append(digits).Append('0', exponent - digits.Length);
        }
        else
        {
            text.Append(digits, 0, exponent).Append('.').Append(digits, exponent, digits.Length - exponent);
        }

        return text.ToString();
    }

    /// <summary>The shortest decimal digits that read back as <paramref name="f"/>, and where the point goes (0.DIGITS × 10^exponent).</summary>
    private static (bool Negative, string Digits, int Exponent) Shortest(double f)
    {
        if (f == 0)
        {
            return (double.IsNegative(f), "0", 1);
        }

        var shortest = Math.Abs(f).ToString("R", CultureInfo.InvariantCulture);
        var ePosition = shortest.IndexOfAny(['E', 'e']);
        var mantissa = ePosition < 0 ? shortest : shortest[..ePosition];
        var power = ePosition < 0 ? 0 : int.Parse(shortest[(ePosition + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        var point = mantissa.IndexOf('.', StringComparison.Ordinal);
        var integerDigits = point < 0 ? mantissa.Length : point;
        var digits = mantissa.Replace(".", string.Empty, StringComparison.Ordinal);
        var leadingZeros = digits.Length - digits.TrimStart('0').Length;
        digits = digits.Trim('0');
        return (f < 0, digits.Length == 0 ? "0" : digits, integerDigits + power - leadingZeros);
    }
}

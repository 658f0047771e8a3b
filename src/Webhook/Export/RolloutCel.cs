using System.Globalization;

namespace DeadlineGuard.Export;

/// <summary>
/// The webhook's reading of a Rollout, written in CEL over the API server's view of the object: a JSON integer
/// is a CEL int, any other JSON number a double (k8s.io/apimachinery/pkg/util/json decodes int64 first, then
/// float64). Every expression here is total: a value of any type yields a verdict or a description, never an error.
/// </summary>
public static class RolloutCel
{
    public const string DeadlineField = "spec.progressDeadlineSeconds";
    public const string AbortField = "spec.progressDeadlineAbort";

    /// <summary>The webhook keeps each admission warning within this many characters (AdmissionDecider.MaxWarningLength).</summary>
    public const int MaxWarningLength = 119;

    /// <summary>The webhook shows at most this many characters of a value's JSON text (JsonValues.Describe).</summary>
    public const int MaxShownValueLength = 40;

    /// <summary>
    /// The characters System.Text.Json's default encoder escapes in printable ASCII and the control characters, as
    /// the webhook writes a string value in a message: a backslash first, so that the others are not escaped twice.
    /// Characters beyond ASCII, which the webhook writes as \uXXXX, are shown as they are.
    /// </summary>
    private static readonly (string Character, string Escaped)[] JsonEscapes = BuildJsonEscapes();

    /// <summary>The namespace the Rollout is in, from the Namespace object the API server binds for validations and mutations.</summary>
    public static CelVariable Namespace { get; } = new("namespaceName", "namespaceObject.metadata.name");

    /// <summary>True for a value the webhook takes as a whole number of seconds: an int, or a double with no fraction, within Int32.</summary>
    public static string IsWholeInt32(string value) =>
        $"(type({value}) == int && {value} >= -2147483648 && {value} <= 2147483647)" +
        $" || (type({value}) == double && {value} >= -2147483648.0 && {value} <= 2147483647.0 && double(int({value})) == {value})";

    /// <summary>spec as a map, or an empty map when the Rollout has none (or something else there).</summary>
    public static IEnumerable<CelVariable> Spec()
    {
        yield return new CelVariable("hasSpec", "'spec' in object && type(object.spec) == map");
        yield return new CelVariable("spec", "variables.hasSpec ? object.spec : {}");
    }

    /// <summary>spec.minReadySeconds when it is a whole number above 0, else 0 (RolloutDeadlineFields.MinReadySecondsOf).</summary>
    public static CelVariable MinReadySeconds { get; } = new(
        "minReadySeconds",
        $"'minReadySeconds' in variables.spec && ({IsWholeInt32("variables.spec.minReadySeconds")}) && int(variables.spec.minReadySeconds) > 0"
        + " ? int(variables.spec.minReadySeconds) : 0");

    /// <summary>
    /// Variables that read one spec field: NAMEPresent, NAME (the value, null when absent), NAMEJson (a string
    /// value as the webhook quotes it) and NAMEFound (what a message says was found: "missing", "null", "a mapping",
    /// "\"60\" (a string)", "1e+99").
    /// </summary>
    public static IEnumerable<CelVariable> Field(string name, string jsonName)
    {
        var value = $"variables.{name}";
        yield return new CelVariable(name + "Present", $"'{jsonName}' in variables.spec");
        yield return new CelVariable(name, $"variables.{name}Present ? variables.spec.{jsonName} : null");
        yield return new CelVariable(name + "Json", $"type({value}) == string ? {JsonString(value)} : ''");
        var json = $"variables.{name}Json";
        var limit = CelText.Int(MaxShownValueLength);
        yield return new CelVariable(name + "Found", string.Join("\n", [
            $"!variables.{name}Present ? 'missing'",
            $": type({value}) == null_type ? 'null'",
            $": type({value}) == map ? 'a mapping'",
            $": type({value}) == list ? 'a list'",
            $": type({value}) == string ? (size({json}) > {limit} ? {json}.substring(0, {limit}) + '…' : {json}) + ' (a string)'",
            $": type({value}) == bool ? ({value} ? 'true' : 'false')",
            $": type({value}) == int ? string({value})",
            $": type({value}) == double && {value} > -9223372036854775808.0 && {value} < 9223372036854775808.0 && double(int({value})) == {value} ? string(int({value}))",
            $": string({value})"]));
    }

    /// <summary>Every variable the validating policies read, in dependency order.</summary>
    public static IReadOnlyList<CelVariable> ValidationVariables(NamespaceRules rules)
    {
        var list = new List<CelVariable> { Namespace };
        list.AddRange(OverrideVariable(rules));
        list.Add(new CelVariable("minSeconds", rules.Value(e => e.MinSeconds, v => CelText.Int(v), "variables.overrideIndex")));
        list.Add(new CelVariable("maxSeconds", rules.Value(e => e.MaxSeconds, v => CelText.Int(v), "variables.overrideIndex")));
        list.Add(new CelVariable("requireAbort", rules.Value(e => e.RequireAbort, CelText.Bool, "variables.overrideIndex")));
        list.AddRange(Spec());
        list.AddRange(Field("deadline", "progressDeadlineSeconds"));
        list.Add(new CelVariable("deadlineIsWhole", $"variables.deadlinePresent && ({IsWholeInt32("variables.deadline")})"));
        list.Add(new CelVariable("seconds", "variables.deadlineIsWhole ? int(variables.deadline) : 0"));
        list.Add(MinReadySeconds);
        list.AddRange(Field("abort", "progressDeadlineAbort"));
        list.Add(new CelVariable("abortIsTrue", "type(variables.abort) == bool && variables.abort"));
        list.AddRange(Violations());
        return list;
    }

    /// <summary>The index of the override in force (-1 for none), when the policy has overrides.</summary>
    public static IEnumerable<CelVariable> OverrideVariable(NamespaceRules rules)
    {
        if (rules.HasOverrides)
        {
            yield return new CelVariable("overrideIndex", rules.OverrideIndex(Namespace.Reference));
        }
    }

    /// <summary>
    /// The violations as the webhook words them (RolloutDeadlineRules), '' when the rule holds; then the list of those
    /// that do not hold, in the webhook's order.
    /// </summary>
    private static IEnumerable<CelVariable> Violations()
    {
        const string range = "' + string(variables.minSeconds) + ' to ' + string(variables.maxSeconds)";
        const string bounds = "' (policy bounds ' + string(variables.minSeconds) + '-' + string(variables.maxSeconds) + ')'";
        const string deadlineIs = $"'{DeadlineField} is ' + variables.deadlineFound + '; it must be";
        yield return new CelVariable("deadlineViolation", string.Join("\n", [
            $"!variables.deadlinePresent ? '{DeadlineField} is missing; it must be set to a whole number of seconds from {range}",
            $": !variables.deadlineIsWhole ? {deadlineIs} a whole number of seconds from {range}",
            $": variables.seconds < variables.minSeconds ? {deadlineIs} at least ' + string(variables.minSeconds) + {bounds}",
            $": variables.seconds > variables.maxSeconds ? {deadlineIs} at most ' + string(variables.maxSeconds) + {bounds}",
            ": ''"]));

        // Argo Rollouts rejects progressDeadlineSeconds <= minReadySeconds; a value below the minimum bound is reported once, by the bound.
        yield return new CelVariable("minReadyViolation", string.Join("\n", [
            "variables.deadlineIsWhole && variables.seconds >= variables.minSeconds && variables.seconds <= variables.minReadySeconds",
            $"? {deadlineIs} greater than spec.minReadySeconds (' + string(variables.minReadySeconds) + '), as Argo Rollouts requires'",
            ": ''"]));
        yield return new CelVariable("abortViolation", string.Join("\n", [
            "variables.requireAbort && !variables.abortIsTrue",
            $"? '{AbortField} is ' + variables.abortFound + '; it must be true: the policy requires a Rollout to abort when its deadline passes'",
            ": ''"]));
        yield return new CelVariable("violations", "[variables.deadlineViolation, variables.minReadyViolation, variables.abortViolation].filter(m, m != '')");
    }

    /// <summary>A message cut as the webhook cuts admission warnings: at most 119 characters, the last one '…'.</summary>
    public static string Truncated(string message) =>
        $"size({message}) <= {CelText.Int(MaxWarningLength)} ? {message} : {message}.substring(0, {CelText.Int(MaxWarningLength - 1)}) + '…'";

    /// <summary>The deadline to inject (RolloutMutator.DeadlineToInject): the default, or the smallest compliant value, or 0 for none.</summary>
    public static IEnumerable<CelVariable> DeadlineToInject()
    {
        yield return new CelVariable("smallestCompliant",
            "variables.minReadySeconds + 1 > variables.minSeconds ? variables.minReadySeconds + 1 : variables.minSeconds");
        yield return new CelVariable("deadlineToInject", string.Join("\n", [
            "variables.defaultSeconds > variables.minReadySeconds ? variables.defaultSeconds",
            ": variables.smallestCompliant <= variables.maxSeconds ? variables.smallestCompliant",
            ": 0"]));
    }

    /// <summary>A string value in double quotes with the webhook's JSON escapes.</summary>
    private static string JsonString(string value)
    {
        var escaped = value;
        foreach (var (character, replacement) in JsonEscapes)
        {
            escaped += $"\n    .replace({CelText.Quote(character)}, {CelText.Quote(replacement)})";
        }

        return $"'\"' + {escaped}\n  + '\"'";
    }

    private static (string, string)[] BuildJsonEscapes()
    {
        var escapes = new List<(string, string)> { ("\\", "\\\\") };
        foreach (var c in "\"&'+<>`\u007f")
        {
            escapes.Add((c.ToString(), string.Create(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}")));
        }

        for (var c = '\0'; c < ' '; c++)
        {
            var escaped = c switch
            {
                '\b' => "\\b",
                '\t' => "\\t",
                '\n' => "\\n",
                '\f' => "\\f",
                '\r' => "\\r",
                _ => string.Create(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}"),
            };
            escapes.Add((c.ToString(), escaped));
        }

        return [.. escapes];
    }
}

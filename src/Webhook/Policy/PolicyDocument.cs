using System.Text.Json;

namespace DeadlineGuard.Policy;

/// <summary>
/// The policy file as written, read by <see cref="PolicyJsonContext"/> once <see cref="PolicySchema"/> has passed it:
/// every field is optional here (a field left out keeps the built-in value), and the names and types are the
/// schema's (a test holds them to it).
/// </summary>
internal sealed class PolicyDocument
{
    public string? ApiVersion { get; init; }

    public string? Kind { get; init; }

    /// <summary>Allowed for tooling (name, labels); not used.</summary>
    public JsonElement? Metadata { get; init; }

    public SpecFields? Spec { get; init; }

    /// <summary>The policy this document makes: what it leaves out is <see cref="DeadlinePolicy.BuiltIn"/>'s.</summary>
    public DeadlinePolicy ToPolicy()
    {
        var builtIn = DeadlinePolicy.BuiltIn;
        if (Spec is not { } spec)
        {
            return builtIn;
        }

        return new DeadlinePolicy(
            Inject: spec.Inject ?? builtIn.Inject,
            Defaults: new DeadlineDefaults(
                spec.Defaults?.ProgressDeadlineSeconds ?? builtIn.Defaults.ProgressDeadlineSeconds,
                spec.Defaults?.ProgressDeadlineAbort ?? builtIn.Defaults.ProgressDeadlineAbort),
            Bounds: new DeadlineBounds(
                spec.Bounds?.MinSeconds ?? builtIn.Bounds.MinSeconds,
                spec.Bounds?.MaxSeconds ?? builtIn.Bounds.MaxSeconds),
            RequireAbort: spec.RequireAbort ?? builtIn.RequireAbort,
            Action: spec.Action ?? builtIn.Action,
            Exemptions: new Exemptions(
                spec.Exemptions?.Annotation ?? builtIn.Exemptions.Annotation,
                spec.Exemptions?.AllowedIn ?? builtIn.Exemptions.AllowedIn,
                spec.Exemptions?.Namespaces ?? builtIn.Exemptions.Namespaces),
            Overrides: spec.Overrides?.Select(o => o.ToOverride()).ToList() ?? builtIn.Overrides,
            History: new HistoryOptions(spec.History?.Limit ?? builtIn.History.Limit),
            Pauses: new PauseOptions(
                spec.Pauses?.MaxSeconds ?? builtIn.Pauses.MaxSeconds,
                spec.Pauses?.Abort ?? builtIn.Pauses.Abort),
            Pitfalls: new PitfallOptions(spec.Pitfalls?.Ignore ?? builtIn.Pitfalls.Ignore));
    }

    /// <summary>What the policy and an override may both set.</summary>
    internal abstract class RuleFields
    {
        public bool? Inject { get; init; }

        public DefaultsFields? Defaults { get; init; }

        public BoundsFields? Bounds { get; init; }

        public bool? RequireAbort { get; init; }

        public PolicyAction? Action { get; init; }

        public PauseFields? Pauses { get; init; }
    }

    /// <summary><c>spec</c>: the rules, and what only the whole cluster sets.</summary>
    internal sealed class SpecFields : RuleFields
    {
        public ExemptionFields? Exemptions { get; init; }

        public List<OverrideFields>? Overrides { get; init; }

        public HistoryFields? History { get; init; }

        public PitfallFields? Pitfalls { get; init; }
    }

    internal sealed class DefaultsFields
    {
        public int? ProgressDeadlineSeconds { get; init; }

        public bool? ProgressDeadlineAbort { get; init; }
    }

    internal sealed class BoundsFields
    {
        public int? MinSeconds { get; init; }

        public int? MaxSeconds { get; init; }
    }

    internal sealed class ExemptionFields
    {
        public string? Annotation { get; init; }

        public List<string>? AllowedIn { get; init; }

        public List<string>? Namespaces { get; init; }
    }

    /// <summary>One of <c>spec.overrides</c>: the namespaces it applies to and the rules it changes there.</summary>
    internal sealed class OverrideFields : RuleFields
    {
        public List<string>? Namespaces { get; init; }

        public PolicyOverride ToOverride() => new(
            Namespaces: Namespaces ?? [],
            Action: Action,
            MinSeconds: Bounds?.MinSeconds,
            MaxSeconds: Bounds?.MaxSeconds,
            DefaultSeconds: Defaults?.ProgressDeadlineSeconds,
            DefaultAbort: Defaults?.ProgressDeadlineAbort,
            RequireAbort: RequireAbort,
            Inject: Inject,
            PauseMaxSeconds: Pauses?.MaxSeconds,
            PauseAbort: Pauses?.Abort);
    }

    internal sealed class HistoryFields
    {
        public int? Limit { get; init; }
    }

    internal sealed class PauseFields
    {
        public int? MaxSeconds { get; init; }

        public bool? Abort { get; init; }
    }

    internal sealed class PitfallFields
    {
        public List<string>? Ignore { get; init; }
    }
}

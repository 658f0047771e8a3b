using System.Text.Json;
using DeadlineGuard.Json;

namespace DeadlineGuard.Policy;

/// <summary>Whether a Rollout's exemption annotation is honoured, and what to tell its author if not.</summary>
public sealed record Exemption(bool Exempt, string? Reason, string? Warning)
{
    public static Exemption None { get; } = new(false, null, null);

    /// <param name="annotation">the exemption annotation's value on the Rollout; null when the annotation is absent.</param>
    public static Exemption Evaluate(DeadlinePolicy policy, string @namespace, JsonElement? annotation) =>
        annotation is { } value ? Evaluate(policy, @namespace, JsonValues.GetString(value)) : None;

    /// <summary>The annotation is present; <paramref name="value"/> is its text, or null when it is not a string.</summary>
    private static Exemption Evaluate(DeadlinePolicy policy, string @namespace, string? value)
    {
        var key = policy.Exemptions.Annotation;
        var reason = value?.Trim();
        if (!NamespaceGlob.MatchesAny(policy.Exemptions.AllowedIn, @namespace))
        {
            return new Exemption(false, null, $"{key} is not honoured in namespace {@namespace}; the deadline policy applies");
        }

        return string.IsNullOrEmpty(reason)
            ? new Exemption(false, null, $"{key} needs a reason as its value; the deadline policy applies")
            : new Exemption(true, reason, null);
    }
}

using System.Text.Json.Nodes;
using DeadlineGuard.Json;
using DeadlineGuard.Policy;

namespace DeadlineGuard.Admission;

/// <summary>Whether a Rollout's exemption annotation is honoured, and what to tell its author if not.</summary>
public sealed record Exemption(bool Exempt, string? Reason, string? Warning)
{
    public static Exemption None { get; } = new(false, null, null);

    public static Exemption Evaluate(DeadlinePolicy policy, string @namespace, JsonObject rollout)
    {
        var key = policy.Exemptions.Annotation;
        if ((rollout["metadata"] as JsonObject)?["annotations"] is not JsonObject annotations || !annotations.TryGetPropertyValue(key, out var value))
        {
            return None;
        }

        var reason = JsonValues.GetString(value)?.Trim();
        if (!NamespaceGlob.MatchesAny(policy.Exemptions.AllowedIn, @namespace))
        {
            return new Exemption(false, null, $"{key} is not honoured in namespace {@namespace}; the deadline policy applies");
        }

        return string.IsNullOrEmpty(reason)
            ? new Exemption(false, null, $"{key} needs a reason as its value; the deadline policy applies")
            : new Exemption(true, reason, null);
    }
}

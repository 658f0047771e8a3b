using System.Text.RegularExpressions;
using DeadlineGuard.Reconciler;

namespace DeadlineGuard.Cli;

/// <summary>
/// Where <c>history</c> reads its Rollout, decided from the one word it is given:
/// <list type="number">
/// <item><c>-</c>: standard input.</item>
/// <item><c>TYPE/NAME</c> where TYPE names the Rollout resource as kubectl accepts it (<c>rollout</c>,
/// <c>rollouts</c>, <c>ro</c>, the kind <c>Rollout</c>, each optionally qualified: <c>rollouts.argoproj.io</c>,
/// <c>rollouts.v1alpha1.argoproj.io</c>): the cluster, even when a file of that name exists (write
/// <c>./rollout/NAME</c> for the file).</item>
/// <item>a file or directory that exists: that path.</item>
/// <item>a bare Rollout name (no slash, not ending in .yaml, .yml or .json): the cluster.</item>
/// <item>anything else: a path (which then does not exist, and says so).</item>
/// </list>
/// </summary>
public sealed partial record HistoryTarget(HistoryTarget.Kind Source, string Value)
{
    private static readonly string[] ResourceNames = ["rollout", "rollouts", "ro"];

    private static readonly string[] ManifestExtensions = [".yaml", ".yml", ".json"];

    public enum Kind
    {
        Stdin,
        Path,
        Cluster,
    }

    /// <summary>The target of <paramref name="word"/>; <paramref name="pathExists"/> says whether a file or directory is there.</summary>
    public static HistoryTarget Resolve(string word, Func<string, bool> pathExists)
    {
        ArgumentNullException.ThrowIfNull(word);
        ArgumentNullException.ThrowIfNull(pathExists);
        if (word == "-")
        {
            return new HistoryTarget(Kind.Stdin, word);
        }

        var slash = word.IndexOf('/', StringComparison.Ordinal);
        if (slash > 0 && IsRolloutResource(word[..slash]))
        {
            return new HistoryTarget(Kind.Cluster, word[(slash + 1)..]);
        }

        if (pathExists(word))
        {
            return new HistoryTarget(Kind.Path, word);
        }

        return slash < 0 && !ManifestExtensions.Any(e => word.EndsWith(e, StringComparison.OrdinalIgnoreCase)) && IsRolloutName(word)
            ? new HistoryTarget(Kind.Cluster, word)
            : new HistoryTarget(Kind.Path, word);
    }

    /// <summary><c>rollout</c>, <c>rollouts</c>, <c>ro</c> or <c>Rollout</c>, alone or followed by <c>.argoproj.io</c> or <c>.v1alpha1.argoproj.io</c>.</summary>
    public static bool IsRolloutResource(string type)
    {
        ArgumentNullException.ThrowIfNull(type);
        var dot = type.IndexOf('.', StringComparison.Ordinal);
        var resource = dot < 0 ? type : type[..dot];
        var qualifier = dot < 0 ? string.Empty : type[(dot + 1)..];
        return ResourceNames.Contains(resource, StringComparer.OrdinalIgnoreCase)
            && (qualifier.Length == 0 || qualifier.Equals(RolloutApi.Group, StringComparison.OrdinalIgnoreCase) || qualifier.Equals($"{RolloutApi.Version}.{RolloutApi.Group}", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>A Kubernetes object name (DNS-1123 subdomain), as a Rollout's must be.</summary>
    public static bool IsRolloutName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.Length <= 253 && SubdomainPattern().IsMatch(name);
    }

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$", RegexOptions.CultureInvariant)]
    private static partial Regex SubdomainPattern();
}

using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace DeadlineGuard.Hosting;

/// <summary>
/// Checks --urls (ASPNETCORE_URLS) before Kestrel sees it. Kestrel reads an address it cannot parse as a host name
/// and then listens on every interface: <c>https://127.0.0.1:abc</c> becomes <c>https://[::]:443</c>, with no error.
/// Accepted: http or https, then an IP address, <c>localhost</c>, <c>*</c> or <c>+</c> (every interface), or
/// <c>unix:/path</c>, and an optional port 0-65535.
/// </summary>
public static partial class ListenAddresses
{
    /// <summary>One problem per address that is not accepted; empty when all are.</summary>
    public static IReadOnlyList<string> Problems(string? urls)
    {
        var problems = new List<string>();
        foreach (var url in (urls ?? string.Empty).Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (Problem(url) is { } problem)
            {
                problems.Add($"urls: '{url}' {problem} (--urls takes e.g. https://0.0.0.0:8443; several separated by ';')");
            }
        }

        return problems;
    }

    private static string? Problem(string url)
    {
        if (UnixSocket().IsMatch(url))
        {
            return null;
        }

        var match = Address().Match(url);
        if (!match.Success)
        {
            return "is not a listen address (scheme://host:port)";
        }

        var host = match.Groups["host"].Value;
        if (host is not ("*" or "+") && !host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            && !IPAddress.TryParse(host.Trim('[', ']'), out _))
        {
            return "names a host; Kestrel would listen on every interface for it. Give an IP address, localhost, or * for every interface";
        }

        var port = match.Groups["port"].Value;
        if (port.Length > 0 && (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number > 65_535))
        {
            return "has a port outside 0-65535";
        }

        return null;
    }

    [GeneratedRegex(@"^https?://unix:/.+$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex UnixSocket();

    [GeneratedRegex(@"^(?:https?)://(?<host>\[[0-9A-Fa-f:.%a-zA-Z]+\]|[^/:\[\]]+)(?::(?<port>\d+))?/?$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Address();
}

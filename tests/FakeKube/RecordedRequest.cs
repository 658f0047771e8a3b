namespace DeadlineGuard.Tests.Support.FakeKube;

/// <summary>
/// One request as the fake API server received it, before it was answered (failed ones included).
/// <see cref="Sequence"/> counts from 1 in arrival order, so a wait can ask for requests after a mark.
/// <see cref="Authorization"/> is the request's Authorization header, to check what credentials a client sent.
/// </summary>
public sealed record RecordedRequest(int Sequence, string Method, string PathAndQuery, string? ContentType, string Body, string? Authorization = null)
{
    /// <summary>The path without the query string.</summary>
    public string Path => PathAndQuery.Split('?', 2)[0];

    /// <summary>The raw query string without '?', or empty.</summary>
    public string Query => PathAndQuery.Split('?', 2) is [_, var query] ? query : string.Empty;

    /// <summary>True for list requests with watch=true or watch=1.</summary>
    public bool IsWatch => Method == "GET" && Query.Split('&').Any(p => p is "watch=true" or "watch=1");

    public override string ToString() => $"#{Sequence} {Method} {PathAndQuery}";
}

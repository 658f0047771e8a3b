using System.Net;
using System.Text.Json;

namespace DeadlineGuard.Reconciler;

/// <summary>
/// The API server refused a request (a non-2xx answer) or ended a watch with an ERROR event: the HTTP status code and,
/// when the body is a <c>Status</c>, its reason and message.
/// </summary>
public sealed class ApiStatusException : Exception
{
    public ApiStatusException()
    {
    }

    public ApiStatusException(string message)
        : base(message)
    {
    }

    public ApiStatusException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public ApiStatusException(int code, string? reason, string message)
        : base(message)
    {
        Code = code;
        Reason = reason;
    }

    public int Code { get; }

    public string? Reason { get; }

    public bool IsGone => Code == (int)HttpStatusCode.Gone;

    /// <summary>From a <c>Status</c> object's JSON (code, reason, message), or from the HTTP code when the body is not one.</summary>
    public static ApiStatusException FromStatus(ReadOnlySpan<byte> json, int httpCode, string what)
    {
        int? code = null;
        string? reason = null, message = null;
        try
        {
            var reader = new Utf8JsonReader(json);
            if (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
            {
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var field = reader.ValueTextEquals("code"u8) ? 1 : reader.ValueTextEquals("reason"u8) ? 2 : reader.ValueTextEquals("message"u8) ? 3 : 0;
                    reader.Read();
                    switch (field)
                    {
                        case 1 when reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var c):
                            code = c;
                            break;
                        case 2 when reader.TokenType == JsonTokenType.String:
                            reason = reader.GetString();
                            break;
                        case 3 when reader.TokenType == JsonTokenType.String:
                            message = reader.GetString();
                            break;
                    }

                    reader.Skip();
                }
            }
        }
        catch (JsonException)
        {
            // not a Status: the HTTP code says it all
        }

        var status = code ?? httpCode;
        var text = message is { Length: > 0 } ? (message.Length > 300 ? message[..300] + "…" : message) : "no message";
        return new ApiStatusException(status, reason, $"{what}: {status}{(reason is null ? string.Empty : " " + reason)}: {text}");
    }
}

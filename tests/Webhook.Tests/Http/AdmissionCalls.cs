using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace DeadlineGuard.Tests.Http;

/// <summary>An AdmissionReview answer as the API server reads it: the response object and the decoded patch.</summary>
public sealed record ReviewAnswer(HttpStatusCode HttpStatus, JsonObject Review)
{
    public JsonObject Response => Review["response"]!.AsObject();

    public string Uid => Response["uid"]!.GetValue<string>();

    public bool Allowed => Response["allowed"]!.GetValue<bool>();

    public string? PatchType => Response["patchType"]?.GetValue<string>();

    public bool HasPatch => Response.ContainsKey("patch");

    /// <summary>The base64 patch decoded to its JSON Patch operations.</summary>
    public JsonArray Patch => JsonNode.Parse(Convert.FromBase64String(Response["patch"]!.GetValue<string>()))!.AsArray();

    /// <summary>The patch without the revision-history operations: what the deadline policy changed.</summary>
    public JsonArray DeadlinePatch => HasPatch
        ? new JsonArray(Patch.Where(o => !Support.HistoryAnnotationCleaner.HistoryPaths.Contains(o!["path"]!.GetValue<string>())).Select(o => o!.DeepClone()).ToArray())
        : [];

    /// <summary>True when the patch holds deadline operations (history bookkeeping aside).</summary>
    public bool HasDeadlinePatch => DeadlinePatch.Count > 0;

    public IReadOnlyList<string> Warnings =>
        Response["warnings"] is JsonArray warnings ? warnings.Select(w => w!.GetValue<string>()).ToList() : [];

    public JsonObject? AuditAnnotations => Response["auditAnnotations"] as JsonObject;

    public JsonObject? Status => Response["status"] as JsonObject;
}

public static class AdmissionCalls
{
    /// <summary>Posts a review as the API server does (application/json) and reads the AdmissionReview answer.</summary>
    public static async Task<ReviewAnswer> ReviewAsync(this HttpClient client, string endpoint, JsonObject review)
    {
        using var content = new StringContent(review.ToJsonString(), Encoding.UTF8, "application/json");
        using var response = await client.PostAsync(endpoint, content);
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.OK, $"{endpoint} answered {(int)response.StatusCode}: {text}");
        response.Content.Headers.ContentType?.MediaType.ShouldBe("application/json");
        return new ReviewAnswer(response.StatusCode, JsonNode.Parse(text)!.AsObject());
    }

    /// <summary>Posts raw bytes with the given content type (null: no Content-Type header) and returns status and body text.</summary>
    public static async Task<(HttpStatusCode Status, string Body)> PostRawAsync(this HttpClient client, string endpoint, HttpContent content)
    {
        using var response = await client.PostAsync(endpoint, content);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    public static ByteArrayContent Body(byte[] bytes, string? contentType = "application/json")
    {
        var content = new ByteArrayContent(bytes);
        if (contentType is not null)
        {
            content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }

        return content;
    }

    public static ByteArrayContent Body(string text, string? contentType = "application/json") => Body(Encoding.UTF8.GetBytes(text), contentType);
}

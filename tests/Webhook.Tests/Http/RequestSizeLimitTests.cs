using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using DeadlineGuard.Tests.Support;

namespace DeadlineGuard.Tests.Http;

/// <summary>Admission:MaxRequestBytes (here 65536): a larger body is answered 413 with a one-line reason, whether or not its length is announced.</summary>
public sealed class RequestSizeLimitTests(SmallLimitWebhook webhook) : IClassFixture<SmallLimitWebhook>
{
    private const string Reason = "request body is larger than the limit of 65536 bytes (Admission:MaxRequestBytes)";
    private readonly HttpClient _client = webhook.Client;

    [Theory]
    [InlineData("one byte over, length announced", SmallLimitWebhook.Limit + 1, true)]
    [InlineData("one byte over, chunked", SmallLimitWebhook.Limit + 1, false)]
    [InlineData("3 MiB, length announced", 3 * 1024 * 1024, true)]
    [InlineData("3 MiB, chunked", 3 * 1024 * 1024, false)]
    public async Task A_body_over_the_limit_is_answered_413_with_a_one_line_reason_then_the_next_review_is_served(string name, int size, bool announceLength)
    {
        var body = ReviewOfSize(size);
        HttpContent content = announceLength ? AdmissionCalls.Body(body) : new UnknownLengthContent(body);
        content.Headers.ContentLength.ShouldBe(announceLength ? size : null, name);

        var (status, text) = await _client.PostRawAsync("/mutate", content);
        content.Dispose();

        status.ShouldBe(HttpStatusCode.RequestEntityTooLarge, name);
        text.ShouldBe(Reason + "\n", name);
        var next = await _client.ReviewAsync("/mutate", Reviews.Review(Reviews.Rollout()));
        next.HasPatch.ShouldBeTrue(name);
    }

    [Theory]
    [InlineData("length announced", true)]
    [InlineData("chunked", false)]
    public async Task A_body_of_exactly_the_limit_is_answered_normally(string name, bool announceLength)
    {
        var body = ReviewOfSize(SmallLimitWebhook.Limit);
        HttpContent content = announceLength ? AdmissionCalls.Body(body) : new UnknownLengthContent(body);

        var (status, text) = await _client.PostRawAsync("/validate", content);
        content.Dispose();

        status.ShouldBe(HttpStatusCode.OK, name);
        JsonNode.Parse(text)!["response"]!["uid"]!.GetValue<string>().ShouldBe("0b7f3a2e-1111-4c5d-9e8f-000000000001", name);
    }

    /// <summary>A valid review padded with trailing spaces to exactly <paramref name="size"/> bytes.</summary>
    private static byte[] ReviewOfSize(int size)
    {
        var json = Encoding.UTF8.GetBytes(Reviews.Review(Reviews.Rollout()).ToJsonString());
        var body = new byte[size];
        Array.Fill(body, (byte)' ');
        json.CopyTo(body, 0);
        return body;
    }

    /// <summary>Content whose length is not known up front, so it is sent without Content-Length.</summary>
    private sealed class UnknownLengthContent : HttpContent
    {
        private readonly byte[] _body;

        public UnknownLengthContent(byte[] body)
        {
            _body = body;
            Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        }

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => stream.WriteAsync(_body).AsTask();

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}

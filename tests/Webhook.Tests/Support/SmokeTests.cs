using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace DeadlineGuard.Tests.Support;

public sealed class SmokeTests
{
    [Fact]
    public async Task Mutate_answers_a_rollout_create_with_a_patch_echoing_the_uid()
    {
        await using var factory = new WebhookFactory();
        using var client = factory.CreateClient();
        var response = await client.PostAsJsonAsync("/mutate", Reviews.Review(Reviews.Rollout()));
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var body = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        body["response"]!["uid"]!.GetValue<string>().ShouldBe("0b7f3a2e-1111-4c5d-9e8f-000000000001");
        body["response"]!["patchType"]!.GetValue<string>().ShouldBe("JSONPatch");
    }
}

using System.Text.Json.Nodes;
using DeadlineGuard.Admission;
using DeadlineGuard.Policy;
using Microsoft.Extensions.Time.Testing;

namespace DeadlineGuard.Tests.Support;

/// <summary>
/// Plays the API server's part for one Rollout: builds each AdmissionReview from the stored object and the
/// client's new object, calls /mutate's decision, applies its patch, then /validate's, and stores the result.
/// Its clock starts at <paramref name="start"/> (default 2026-11-27T10:00:00Z, the seed timeline's first revision).
/// </summary>
public sealed class ApiServer(DeadlinePolicy? policy = null, DateTimeOffset? start = null)
{
    public FakeTimeProvider Clock { get; } = new(start ?? new DateTimeOffset(2026, 11, 27, 10, 0, 0, TimeSpan.Zero));

    public DeadlinePolicy Policy { get; set; } = policy ?? DeadlinePolicy.BuiltIn;

    public JsonObject? Stored { get; private set; }

    public AdmissionDecision? LastMutation { get; private set; }

    private AdmissionDecider Decider => field ??= new AdmissionDecider(Clock);

    public AdmissionDecision Create(JsonObject rollout, string user, bool dryRun = false) => Admit("CREATE", rollout, user, dryRun);

    /// <summary>An UPDATE whose new object is the stored one changed by <paramref name="edit"/> (as kubectl edit or apply would send).</summary>
    public AdmissionDecision Update(Action<JsonObject> edit, string user, bool dryRun = false)
    {
        var next = (JsonObject)Stored!.DeepClone();
        edit(next);
        return Admit("UPDATE", next, user, dryRun);
    }

    /// <summary>An UPDATE whose new object is given whole (as kubectl replace would send).</summary>
    public AdmissionDecision Replace(JsonObject rollout, string user) => Admit("UPDATE", rollout, user, dryRun: false);

    /// <summary>Changes the stored object without admission, as a write made while the webhook was bypassed would.</summary>
    public void WriteBehindTheWebhook(Action<JsonObject> edit) => edit(Stored!);

    private AdmissionDecision Admit(string operation, JsonObject rollout, string user, bool dryRun)
    {
        using var request = Reviews.Request(rollout, operation, Stored, user, dryRun);
        var mutation = Decider.Mutate(request, Policy);
        LastMutation = mutation;
        var patched = (JsonObject)JsonPatchApplier.Apply(rollout, mutation.Patch)!;

        // The API server sends the mutated object to validation as a review of its own.
        using var validated = Reviews.Request(patched, operation, Stored, user, dryRun);
        var validation = Decider.Validate(validated, Policy);
        if (validation.Allowed && !dryRun)
        {
            Stored = patched;
        }

        return validation;
    }
}

using System.Text.Json.Nodes;
using CsCheck;
using DeadlineGuard.History;
using DeadlineGuard.Policy;
using DeadlineGuard.Tests.Support;

namespace DeadlineGuard.Tests.History;

public sealed class HistoryPropertyTests
{
    private enum Step
    {
        NewImage,
        Replicas,
        Restart,
        AnnotationEdit,
        RemoveHistory,
        ForgeHistory,
        ControllerRevision,
        AddContainer,
    }

    private static readonly Gen<string> User = Gen.OneOf(
        Gen.Const("alice@example.com"),
        Gen.Const("system:serviceaccount:argocd:argocd-application-controller"),
        Gen.String[Gen.Char.AlphaNumeric, 1, 200]);

    private static readonly Gen<(Step Step, string User, int Salt)> Update =
        Gen.Select(Gen.Enum<Step>(), User, Gen.Int[0, 1_000_000]);

    private static JsonObject Rollout() => Reviews.Rollout("web", "team-a");

    private static void Apply(JsonObject r, Step step, int salt)
    {
        var containers = r["spec"]!["template"]!["spec"]!["containers"]!.AsArray();
        switch (step)
        {
            case Step.NewImage:
                containers[0]!["image"] = $"registry.example.com/team-a/web:{salt}";
                break;
            case Step.AddContainer when containers.Count < 6:
                containers.Add(new JsonObject { ["name"] = $"side{containers.Count}", ["image"] = $"registry.example.com/platform/sidecar-{salt}@sha256:{new string('f', 64)}" });
                break;
            case Step.Replicas:
                r["spec"]!["replicas"] = salt % 10;
                break;
            case Step.Restart:
                r["spec"]!["restartAt"] = $"2026-11-27T10:{salt % 60:00}:00Z";
                break;
            case Step.AnnotationEdit:
                Annotations(r)["note"] = salt.ToString(System.Globalization.CultureInfo.InvariantCulture);
                break;
            case Step.RemoveHistory:
                Annotations(r).Remove(RevisionHistoryAnnotation.Key);
                break;
            case Step.ForgeHistory:
                Annotations(r)[RevisionHistoryAnnotation.Key] = salt % 2 == 0 ? "[]" : "garbage";
                break;
            case Step.ControllerRevision:
                Annotations(r)["rollout.argoproj.io/revision"] = salt.ToString(System.Globalization.CultureInfo.InvariantCulture);
                break;
        }
    }

    private static JsonObject Annotations(JsonObject r)
    {
        var metadata = r["metadata"]!.AsObject();
        if (metadata["annotations"] is not JsonObject annotations)
        {
            metadata["annotations"] = annotations = new JsonObject();
        }

        return annotations;
    }

    [Fact]
    public void Any_sequence_of_updates_leaves_a_valid_bounded_history_with_increasing_seq()
    {
        Gen.Select(Update.List[0, 40], Gen.Int[1, 12]).Sample(
            (updates, limit) =>
            {
                var api = new ApiServer(DeadlinePolicy.BuiltIn with { History = new HistoryOptions(limit) });
                api.Create(Rollout(), "creator").Allowed.ShouldBeTrue();
                var revisions = 1;
                foreach (var (step, user, salt) in updates)
                {
                    var before = api.Stored!["spec"]!["template"]!.ToJsonString();
                    api.Update(r => Apply(r, step, salt), user);
                    api.Clock.Advance(TimeSpan.FromSeconds(1 + (salt % 600)));
                    if (api.Stored!["spec"]!["template"]!.ToJsonString() != before)
                    {
                        revisions++;
                    }

                    var text = RevisionRecorder.Annotation(api.Stored!);
                    text.ShouldNotBeNull();
                    RevisionHistoryAnnotation.TryParse(text, out var entries, out var error).ShouldBeTrue(error);
                    entries.Count.ShouldBeInRange(1, limit);
                    entries.Zip(entries.Skip(1)).ShouldAllBe(pair => pair.Second.Seq > pair.First.Seq && pair.Second.At >= pair.First.At);
                    entries[^1].Seq.ShouldBe(revisions);
                    if (entries.Count == 10)
                    {
                        System.Text.Encoding.UTF8.GetByteCount(text).ShouldBeLessThan(4096);
                    }
                }
            },
            iter: 150);
    }

    [Fact]
    public void Ten_entries_of_the_largest_shape_stay_under_4_KiB()
    {
        var api = new ApiServer();
        var rollout = Rollout();
        for (var i = 0; i < 6; i++)
        {
            Apply(rollout, Step.AddContainer, i);
        }

        api.Create(rollout, new string('u', 500));
        for (var i = 0; i < 12; i++)
        {
            var salt = 1_000_000 + i;
            api.Update(r => Apply(r, Step.NewImage, salt), new string('v', 500));
        }

        var text = RevisionRecorder.Annotation(api.Stored!)!;
        RevisionHistoryAnnotation.TryParse(text, out var entries, out _).ShouldBeTrue();
        entries.Count.ShouldBe(10);
        System.Text.Encoding.UTF8.GetByteCount(text).ShouldBeLessThan(4096);
    }

    private enum ClientWrite
    {
        NewImage,
        Replicas,
        ForgeStoredTime,
        ForgeOwnOutputOnNewImage,
        ForgeOwnOutputOnCreate,
        Recreate,
    }

    /// <summary>Moves of the newest entry's time a client could try: back, to now, just ahead, far ahead.</summary>
    private static readonly TimeSpan[] Moves =
        [TimeSpan.FromSeconds(-40), TimeSpan.FromSeconds(-5), TimeSpan.Zero, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(2), TimeSpan.FromDays(365 * 70)];

    private static readonly Gen<(ClientWrite Write, int Move, int Salt, int Seconds)> Write =
        Gen.Select(Gen.Enum<ClientWrite>(), Gen.Int[0, Moves.Length - 1], Gen.Int[0, 1_000_000], Gen.Int[0, 120]);

    private static string WithNewestAt(string history, DateTimeOffset at)
    {
        var entries = JsonNode.Parse(history)!.AsArray();
        if (entries.Count > 0)
        {
            entries[^1]!["at"] = RevisionHistoryAnnotation.FormatTime(at);
        }

        return entries.ToJsonString();
    }

    /// <summary>The history value a (dry-run) mutation wrote, as a client reads it from the patch.</summary>
    private static string? HistoryInPatch(DeadlineGuard.Admission.AdmissionDecision? decision) =>
        decision?.Patch.FirstOrDefault(o => o.Path.Contains("annotations", StringComparison.Ordinal)) is { Value: { } value }
            ? value is JsonObject map ? map[RevisionHistoryAnnotation.Key]?.GetValue<string>() : value.GetValue<string>()
            : null;

    [Fact]
    public void No_sequence_of_client_writes_moves_the_newest_time_past_the_clock_at_the_write_that_started_the_revision()
    {
        Write.List[1, 25].Sample(
            writes =>
            {
                var api = new ApiServer();
                api.Create(Rollout(), "creator").Allowed.ShouldBeTrue();
                var startedAt = api.Clock.GetUtcNow();
                foreach (var (write, move, salt, seconds) in writes)
                {
                    api.Clock.Advance(TimeSpan.FromSeconds(seconds));
                    var now = api.Clock.GetUtcNow();
                    var template = api.Stored!["spec"]!["template"]!.ToJsonString();
                    var created = false;
                    switch (write)
                    {
                        case ClientWrite.NewImage:
                            api.Update(r => Apply(r, Step.NewImage, salt), "bob");
                            break;
                        case ClientWrite.Replicas:
                            api.Update(r => Apply(r, Step.Replicas, salt), "bob");
                            break;
                        case ClientWrite.ForgeStoredTime:
                            var stored = RevisionRecorder.Annotation(api.Stored!)!;
                            api.Update(r => Annotations(r)[RevisionHistoryAnnotation.Key] = WithNewestAt(stored, now + Moves[move]), "mallory");
                            break;
                        case ClientWrite.ForgeOwnOutputOnNewImage:
                            // The client asks for a dry run, takes the webhook's own answer and moves its newest time.
                            api.Update(r => Apply(r, Step.NewImage, salt), "mallory", dryRun: true);
                            if (HistoryInPatch(api.LastMutation) is { } own)
                            {
                                api.Update(
                                    r =>
                                    {
                                        Apply(r, Step.NewImage, salt);
                                        Annotations(r)[RevisionHistoryAnnotation.Key] = WithNewestAt(own, now + Moves[move]);
                                    },
                                    "mallory");
                            }

                            break;
                        case ClientWrite.ForgeOwnOutputOnCreate:
                            var fresh = Rollout();
                            Apply(fresh, Step.NewImage, salt);
                            api.Create(fresh.DeepClone().AsObject(), "mallory", dryRun: true);
                            Annotations(fresh)[RevisionHistoryAnnotation.Key] = WithNewestAt(HistoryInPatch(api.LastMutation)!, now + Moves[move]);
                            created = api.Create(fresh, "mallory").Allowed;
                            break;
                        case ClientWrite.Recreate:
                            var again = Rollout();
                            Annotations(again)[RevisionHistoryAnnotation.Key] = WithNewestAt(RevisionRecorder.Annotation(api.Stored!)!, now + Moves[move]);
                            created = api.Create(again, "mallory").Allowed;
                            break;
                    }

                    if (created || api.Stored!["spec"]!["template"]!.ToJsonString() != template)
                    {
                        startedAt = now;
                    }

                    RevisionHistoryAnnotation.TryParse(RevisionRecorder.Annotation(api.Stored!)!, out var entries, out var error).ShouldBeTrue(error);
                    entries[^1].At.ShouldBeLessThanOrEqualTo(startedAt, $"after {write} moved by {Moves[move]}");
                }
            },
            iter: 200);
    }
}


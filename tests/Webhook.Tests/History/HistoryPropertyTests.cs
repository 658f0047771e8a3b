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
}

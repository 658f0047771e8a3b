using System.Text.Json.Nodes;
using DeadlineGuard.Admission;
using DeadlineGuard.History;
using DeadlineGuard.Tests.Support;

namespace DeadlineGuard.Tests.Admission;

/// <summary>
/// DESIGN §3: the patch touches only the fields the webhook owns, prefers add, escapes JSON Pointer segments and
/// creates /metadata/annotations when absent. The patch is built from what is added and what was found; these
/// are the cases the whole-object diff it replaced produced, operation for operation.
/// </summary>
public sealed class OwnedFieldPatchTests
{
    private const string Value = "[{\"seq\":1}]";

    private static readonly HistoryUpdate Write = new(true, Value, null, []);

    private static List<string> Patch(string rollout, DeadlineInjection injection, HistoryUpdate? history)
    {
        var operations = OwnedFieldPatch.Build(Reviews.View(JsonNode.Parse(rollout)!), injection, history);
        var original = JsonNode.Parse(rollout);
        JsonPatchApplier.Apply(original, operations); // the API server must be able to apply it
        return operations.Select(o => $"{o.Op} {o.Path}{(o.Op == "remove" ? string.Empty : " " + (o.Value?.ToJsonString() ?? "null"))}").ToList();
    }

    [Fact]
    public void Missing_spec_fields_are_added_deadline_first()
    {
        Patch("""{"spec":{"replicas":2}}""", new DeadlineInjection(600, true), null)
            .ShouldBe(["add /spec/progressDeadlineSeconds 600", "add /spec/progressDeadlineAbort true"]);
    }

    [Fact]
    public void Nothing_to_add_and_no_history_change_gives_no_operations() =>
        Patch("""{"spec":{},"metadata":{"annotations":{"deadline-guard.io/revision-history":"[]"}}}""", default, new HistoryUpdate(false, null, null, [])).ShouldBeEmpty();

    public static TheoryData<string, string, string[]> HistoryCases => new()
    {
        { "annotations absent: created whole with add", """{"metadata":{"name":"web"}}""",
            ["add /metadata/annotations {\"deadline-guard.io/revision-history\":\"[{\\u0022seq\\u0022:1}]\"}"] },
        { "annotations present without it: added, its key escaped", """{"metadata":{"annotations":{"a":"b"}}}""",
            ["add /metadata/annotations/deadline-guard.io~1revision-history \"[{\\u0022seq\\u0022:1}]\""] },
        { "present with another value: replaced", """{"metadata":{"annotations":{"deadline-guard.io/revision-history":"[]"}}}""",
            ["replace /metadata/annotations/deadline-guard.io~1revision-history \"[{\\u0022seq\\u0022:1}]\""] },
        { "present as an object: replaced by the string", """{"metadata":{"annotations":{"deadline-guard.io/revision-history":{}}}}""",
            ["replace /metadata/annotations/deadline-guard.io~1revision-history \"[{\\u0022seq\\u0022:1}]\""] },
        { "annotations null: replaced by a map", """{"metadata":{"annotations":null}}""",
            ["replace /metadata/annotations {\"deadline-guard.io/revision-history\":\"[{\\u0022seq\\u0022:1}]\"}"] },
        { "metadata absent: created with the annotation", """{"spec":{}}""",
            ["add /metadata {\"annotations\":{\"deadline-guard.io/revision-history\":\"[{\\u0022seq\\u0022:1}]\"}}"] },
        { "metadata null: left to the API server", """{"metadata":null}""", [] },
        { "metadata a string: never replaced", """{"metadata":"web"}""", [] },
        { "annotations a list: never replaced", """{"metadata":{"annotations":["x"]}}""", [] },
    };

    [Theory]
    [MemberData(nameof(HistoryCases))]
    public void The_history_annotation_is_written_with_add_where_absent_and_replace_where_present(string because, string rollout, string[] expected) =>
        Patch(rollout, default, Write).ShouldBe(expected, ignoreOrder: false, because);

    [Fact]
    public void A_history_changed_to_nothing_is_removed() =>
        Patch("""{"metadata":{"annotations":{"deadline-guard.io/revision-history":"x"}}}""", default, new HistoryUpdate(true, null, null, []))
            .ShouldBe(["remove /metadata/annotations/deadline-guard.io~1revision-history"]);

    [Fact]
    public void Spec_operations_come_before_the_annotation_whatever_the_order_of_the_object() =>
        Patch("""{"metadata":{"name":"web"},"spec":{}}""", new DeadlineInjection(null, true), Write)
            .ShouldBe(["add /spec/progressDeadlineAbort true", "add /metadata/annotations {\"deadline-guard.io/revision-history\":\"[{\\u0022seq\\u0022:1}]\"}"]);
}

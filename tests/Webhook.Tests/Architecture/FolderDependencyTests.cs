using System.Reflection;
using NetArchTest.Rules;

namespace DeadlineGuard.Tests.Architecture;

/// <summary>
/// Which folder of src/Webhook may use which (namespace = folder). The table is <see cref="Layering.MayUse"/>;
/// docs/architecture.md draws the same table. Every pair of folders the table does not allow is one row here, so a
/// new <c>using</c> across a forbidden edge fails the row for that edge and names the types that cross it.
/// </summary>
public sealed class FolderDependencyTests
{
    private static readonly Assembly Webhook = typeof(Program).Assembly;

    public static TheoryData<string, string> ForbiddenEdges()
    {
        var rows = new TheoryData<string, string>();
        foreach (var (from, to) in Layering.ForbiddenEdges())
        {
            rows.Add(from, to);
        }

        return rows;
    }

    [Theory]
    [MemberData(nameof(ForbiddenEdges))]
    public void A_folder_does_not_use_a_folder_the_layering_forbids(string from, string to)
    {
        var result = Types.InAssembly(Webhook)
            .That().ResideInNamespace(Layering.Namespace(from))
            .ShouldNot().HaveDependencyOn(Layering.Namespace(to))
            .GetResult();

        var offenders = (result.FailingTypeNames ?? []).Order(StringComparer.Ordinal).ToList();
        offenders.ShouldBeEmpty($"{from} must not use {to}, but these types do: {string.Join(", ", offenders)}");
    }

    [Fact]
    public void Every_folder_of_the_program_is_placed_in_the_layering()
    {
        var folders = Webhook.GetTypes()
            .Select(t => t.Namespace)
            .OfType<string>()
            .Where(ns => ns.StartsWith(Layering.Root + ".", StringComparison.Ordinal))
            .Select(ns => ns.Split('.')[1])
            .Distinct()
            .Order(StringComparer.Ordinal)
            .ToList();

        folders.Except(Layering.MayUse.Keys).ShouldBeEmpty("every folder needs a row in Layering.MayUse (and in docs/architecture.md)");
        Layering.MayUse.Keys.Except(folders).ShouldBeEmpty("Layering.MayUse names a folder the program no longer has");
    }

    /// <summary>The rows above can fail: the check finds an edge the code has today (Admission uses Policy).</summary>
    [Fact]
    public void The_dependency_check_sees_an_edge_the_code_has()
    {
        var result = Types.InAssembly(Webhook)
            .That().ResideInNamespace(Layering.Namespace("Admission"))
            .ShouldNot().HaveDependencyOn(Layering.Namespace("Policy"))
            .GetResult();

        result.IsSuccessful.ShouldBeFalse();
        result.FailingTypeNames.ShouldContain("DeadlineGuard.Admission.AdmissionDecider");
    }
}

using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using DeadlineGuard.Tests.Support;

namespace DeadlineGuard.Tests.Architecture;

/// <summary>
/// One top-level type per file, named as its file, in the folder its namespace names: a reader who knows a type's
/// name knows where it is. The program's types come from the compiled assembly; where they are declared comes from
/// a scan of src/Webhook for top-level declarations (nested types are free to live with their parent).
/// </summary>
public sealed partial class TypeFileTests
{
    private static readonly string SourceRoot = Path.Combine(TestPaths.RepositoryRoot, "src", "Webhook");

    /// <summary>Every type the compiler emitted from our source, top-level, by name without generic arity.</summary>
    private static readonly string[] CompiledTypes = typeof(Program).Assembly.GetTypes()
        .Where(t => !t.IsNested && t.Namespace?.StartsWith(Layering.Root, StringComparison.Ordinal) == true)
        .Where(t => t.GetCustomAttribute<CompilerGeneratedAttribute>() is null && !t.Name.Contains('<', StringComparison.Ordinal))
        .Select(t => t.Name.Split('`')[0])
        .Distinct()
        .Order(StringComparer.Ordinal)
        .ToArray();

    [Fact]
    public void Every_top_level_type_lives_in_a_file_of_its_name()
    {
        var declarations = Declarations();
        var misplaced = declarations
            .Where(d => Path.GetFileName(d.File).Split('.')[0] != d.Type)
            .Select(d => $"{d.Type} in {Path.GetRelativePath(SourceRoot, d.File)}")
            .Order(StringComparer.Ordinal)
            .ToList();

        misplaced.ShouldBeEmpty($"a top-level type goes in a file of its own name: {string.Join("; ", misplaced)}");
    }

    [Fact]
    public void The_scan_finds_every_type_the_compiler_emitted()
    {
        var scanned = Declarations().Select(d => d.Type).ToHashSet(StringComparer.Ordinal);

        CompiledTypes.ShouldNotBeEmpty();
        CompiledTypes.Where(t => !scanned.Contains(t)).ShouldBeEmpty("types the declaration scan missed (an unusual declaration form?)");
    }

    [Fact]
    public void Every_file_declares_the_namespace_of_its_folder()
    {
        var wrong = new List<string>();
        foreach (var file in SourceFiles())
        {
            var folder = Path.GetDirectoryName(Path.GetRelativePath(SourceRoot, file))!;
            var expected = folder.Length == 0 ? Layering.Root : $"{Layering.Root}.{folder.Replace(Path.DirectorySeparatorChar, '.')}";
            var declared = NamespaceDeclaration().Match(File.ReadAllText(file)) is { Success: true } m ? m.Groups["name"].Value : "(none)";
            if (declared != expected)
            {
                wrong.Add($"{Path.GetRelativePath(SourceRoot, file)} declares {declared}, expected {expected}");
            }
        }

        wrong.ShouldBeEmpty(string.Join("; ", wrong));
    }

    [Theory]
    [InlineData("public sealed record Exemption(bool Exempt, string? Reason)", "Exemption")]
    [InlineData("internal readonly record struct FoundValue(bool Present)", "FoundValue")]
    [InlineData("public static partial class AdmissionApi", "AdmissionApi")]
    [InlineData("public enum AdmissionEndpoint", "AdmissionEndpoint")]
    [InlineData("public interface ILeaderWork", "ILeaderWork")]
    [InlineData("sealed class Backoff<T>(TimeProvider time)", "Backoff")]
    [InlineData("public delegate Task<int> CommandHandler(string[] args);", "CommandHandler")]
    public void The_scan_reads_a_top_level_declaration(string line, string type) =>
        TopLevelDeclaration().Match(line).Groups["name"].Value.ShouldBe(type);

    [Theory]
    [InlineData("    public sealed record Nested(int A)")]
    [InlineData("file sealed class OnlyHere")]
    [InlineData("/// <summary>A class that holds things.</summary>")]
    public void The_scan_skips_nested_file_local_and_comment_lines(string line) =>
        TopLevelDeclaration().IsMatch(line).ShouldBeFalse();

    private static List<(string Type, string File)> Declarations() =>
        [.. from file in SourceFiles()
            from line in File.ReadLines(file)
            let match = TopLevelDeclaration().Match(line)
            where match.Success
            select (match.Groups["name"].Value, file)];

    private static IEnumerable<string> SourceFiles() =>
        Directory.EnumerateFiles(SourceRoot, "*.cs", SearchOption.AllDirectories)
            .Where(f => !Path.GetRelativePath(SourceRoot, f).Split(Path.DirectorySeparatorChar)[0].Equals("obj", StringComparison.Ordinal)
                        && !Path.GetRelativePath(SourceRoot, f).Split(Path.DirectorySeparatorChar)[0].Equals("bin", StringComparison.Ordinal));

    /// <summary>A type declared at column 0 (file-scoped namespaces), not file-local; delegates after their return type.</summary>
    [GeneratedRegex(@"^(?:(?:public|internal|static|sealed|abstract|partial|readonly|ref|unsafe)\s+)*(?:(?:record\s+struct|record\s+class|class|record|struct|interface|enum)|delegate\s+\S+)\s+(?<name>\w+)")]
    private static partial Regex TopLevelDeclaration();

    [GeneratedRegex(@"^namespace\s+(?<name>[\w.]+)\s*;", RegexOptions.Multiline)]
    private static partial Regex NamespaceDeclaration();
}

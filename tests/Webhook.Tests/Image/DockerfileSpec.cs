using System.Text.Json;
using System.Text.RegularExpressions;

namespace DeadlineGuard.Tests.Image;

/// <summary>
/// The repository's Dockerfile read as the build does (comments and line continuations as in the Dockerfile reference),
/// so the image tests run what it says rather than a copy of it: its build stage's COPY and RUN, and its last stage's
/// WORKDIR, ENV, USER and ENTRYPOINT.
/// </summary>
public sealed partial class DockerfileSpec
{
    private DockerfileSpec(IReadOnlyList<Stage> stages, IReadOnlyList<string> ignoredFolders)
    {
        Stages = stages;
        IgnoredFolderNames = ignoredFolders;
    }

    public IReadOnlyList<Stage> Stages { get; }

    /// <summary>Folder names .dockerignore leaves out at any depth (<c>**/bin/</c> …).</summary>
    public IReadOnlyList<string> IgnoredFolderNames { get; }

    /// <summary>The stage the image is made of (the last one).</summary>
    public Stage Runtime => Stages[^1];

    /// <summary>The stage the runtime copies the program from (<c>COPY --from=NAME</c>).</summary>
    public Stage Build => Stages.Single(s => s.Name == Runtime.Instructions
        .Where(i => i.Keyword == "COPY" && i.Arguments.StartsWith("--from=", StringComparison.Ordinal))
        .Select(i => i.Arguments["--from=".Length..].Split(' ')[0])
        .Single());

    public static DockerfileSpec Read(string repositoryRoot)
    {
        var stages = new List<Stage>();
        foreach (var (keyword, arguments) in Instructions(File.ReadAllLines(Path.Combine(repositoryRoot, "Dockerfile"))))
        {
            if (keyword == "FROM")
            {
                var parts = arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                stages.Add(new Stage(parts is [_, "AS" or "as", var name] ? name : $"stage{stages.Count}", parts[0], new List<Instruction>()));
            }
            else
            {
                ((List<Instruction>)stages[^1].Instructions).Add(new Instruction(keyword, arguments));
            }
        }

        var ignored = File.ReadAllLines(Path.Combine(repositoryRoot, ".dockerignore"))
            .Select(l => IgnoredFolder().Match(l.Trim()))
            .Where(m => m.Success)
            .Select(m => m.Groups["name"].Value)
            .ToList();
        return new DockerfileSpec(stages, ignored);
    }

    /// <summary>Instructions with continuation lines joined and comment lines dropped.</summary>
    private static IEnumerable<(string Keyword, string Arguments)> Instructions(IEnumerable<string> lines)
    {
        var current = string.Empty;
        foreach (var raw in lines)
        {
            var line = raw.Trim();
            if (line.StartsWith('#') || (line.Length == 0 && current.Length == 0))
            {
                continue;
            }

            if (line.EndsWith('\\'))
            {
                current += line[..^1] + " ";
                continue;
            }

            current += line;
            if (current.Trim().Length > 0)
            {
                var split = current.Trim().Split(' ', 2, StringSplitOptions.RemoveEmptyEntries);
                yield return (split[0].ToUpperInvariant(), split.Length > 1 ? Spaces().Replace(split[1].Trim(), " ") : string.Empty);
            }

            current = string.Empty;
        }
    }

    [GeneratedRegex(@"^\*\*/(?<name>[^/*]+)/$")]
    private static partial Regex IgnoredFolder();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();

    public sealed record Instruction(string Keyword, string Arguments);

    public sealed record Stage(string Name, string Image, IReadOnlyList<Instruction> Instructions)
    {
        public string WorkDir => Instructions.Last(i => i.Keyword == "WORKDIR").Arguments;

        /// <summary>The ENV of this stage, in order (<c>ENV A=1 B=</c>; an empty value stays empty).</summary>
        public IReadOnlyDictionary<string, string> Environment =>
            Instructions.Where(i => i.Keyword == "ENV")
                .SelectMany(i => i.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                .Select(pair => pair.Split('=', 2))
                .ToDictionary(p => p[0], p => p.Length > 1 ? p[1].Trim('"') : string.Empty, StringComparer.Ordinal);

        /// <summary>USER as (uid, gid).</summary>
        public (int Uid, int Gid) User =>
            Instructions.Last(i => i.Keyword == "USER").Arguments.Split(':') is [var uid, var gid]
                ? (int.Parse(uid, System.Globalization.CultureInfo.InvariantCulture), int.Parse(gid, System.Globalization.CultureInfo.InvariantCulture))
                : throw new InvalidOperationException("USER is not uid:gid");

        /// <summary>ENTRYPOINT in its exec (JSON) form.</summary>
        public IReadOnlyList<string> Entrypoint =>
            JsonSerializer.Deserialize<string[]>(Instructions.Last(i => i.Keyword == "ENTRYPOINT").Arguments)!;

        /// <summary>The RUN commands, each split into words (the build's commands have no quoting).</summary>
        public IReadOnlyList<string[]> Runs =>
            [.. Instructions.Where(i => i.Keyword == "RUN").Select(i => i.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries))];

        /// <summary>COPY from the build context (not --from): sources and destination.</summary>
        public IReadOnlyList<(string[] Sources, string Destination)> ContextCopies =>
            [.. Instructions.Where(i => i.Keyword == "COPY" && !i.Arguments.StartsWith("--", StringComparison.Ordinal))
                .Select(i => i.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                .Select(words => (words[..^1], words[^1]))];
    }
}

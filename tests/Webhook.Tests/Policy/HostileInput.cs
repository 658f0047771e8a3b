using System.Diagnostics;

namespace DeadlineGuard.Tests.Policy;

/// <summary>
/// Files an attacker (or an accident) can put where the program expects YAML, as the adversarial test of
/// issue 13 wrote them. Each is written at a path that must not exist yet.
/// </summary>
public static class HostileInput
{
    /// <summary>Each attack and a piece of the reason it must be refused with.</summary>
    public static readonly IReadOnlyDictionary<string, string> Reasons = new Dictionary<string, string>
    {
        ["deep nesting"] = "nesting deeper than 128 levels",
        ["billion laughs"] = "document contains excessive aliasing",
        ["50 MB file"] = "is 52428800 bytes, larger than the limit of",
        ["FIFO"] = "is a FIFO (named pipe), not a regular file",
        ["link to /dev/zero"] = "is a character device, not a regular file",
        ["directory"] = "is a directory, not a regular file",
        ["binary garbage"] = "is not valid UTF-8 text (invalid bytes at offset",
        ["invalid UTF-8"] = "is not valid UTF-8 text (invalid bytes at offset 44)",
        ["control characters"] = "a control character (U+0001) is not allowed in YAML",
        ["lone surrogate escape"] = "found invalid Unicode surrogates",
        ["duplicate key"] = "duplicate key \"spec\" in one mapping",
    };

    public static IEnumerable<string> Names => Reasons.Keys;

    /// <summary>
    /// 30,000 nested flow sequences, 60 KB: deep enough to overflow the stack of a recursive reader
    /// (YamlDotNet's representation model did, killing the process with exit code 134).
    /// </summary>
    public static string DeepNesting => new string('[', 30_000) + new string(']', 30_000);

    /// <summary>
    /// "Billion laughs" in YAML: 342 bytes whose aliases stand for 9^9 (387 million) strings. A reader that
    /// expands aliases without counting grows without bound (past 1 GB in the webhook, 9.9 GB in review).
    /// </summary>
    public const string BillionLaughs = """
        a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
        b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
        c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
        d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
        e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
        f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
        g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
        h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
        i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]

        """;

    /// <summary>Writes the attack <paramref name="name"/> at <paramref name="path"/> (which must not exist).</summary>
    public static void Write(string name, string path)
    {
        switch (name)
        {
            case "deep nesting":
                File.WriteAllText(path, DeepNesting);
                break;
            case "billion laughs":
                File.WriteAllText(path, BillionLaughs);
                break;
            case "50 MB file":
                // Sparse: the size is what matters, and a reader that checks it first never reads the zeros.
                using (var file = File.Create(path))
                {
                    file.SetLength(50L << 20);
                }

                break;
            case "FIFO":
                MakeFifo(path);
                break;
            case "link to /dev/zero":
                File.CreateSymbolicLink(path, "/dev/zero");
                break;
            case "directory":
                Directory.CreateDirectory(path);
                break;
            case "binary garbage":
                var garbage = new byte[4096];
                new Random(13).NextBytes(garbage);
                garbage[0] = 0xC3; // a lead byte followed by no continuation byte is invalid in any case
                garbage[1] = 0x28;
                File.WriteAllBytes(path, garbage);
                break;
            case "invalid UTF-8":
                File.WriteAllBytes(path, [.. "apiVersion: deadline-guard.io/v1\nkind: Deadl"u8, 0xC3, 0x28, .. "nePolicy\n"u8]);
                break;
            case "control characters":
                File.WriteAllText(path, "apiVersion: deadline-guard.io/v1\nkind: Deadline\u0001Policy\n");
                break;
            case "lone surrogate escape":
                File.WriteAllText(path, "apiVersion: deadline-guard.io/v1\nkind: \"\\ud800\"\n");
                break;
            case "duplicate key":
                File.WriteAllText(path, "apiVersion: deadline-guard.io/v1\nkind: DeadlinePolicy\nspec: {}\nspec: { action: Warn }\n");
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(name), name, "no such attack");
        }
    }

    /// <summary>mkfifo(1): .NET has no API that makes a named pipe.</summary>
    public static void MakeFifo(string path)
    {
        using var mkfifo = Process.Start("mkfifo", [path]);
        mkfifo.WaitForExit();
        if (mkfifo.ExitCode != 0)
        {
            throw new IOException($"mkfifo {path} failed with {mkfifo.ExitCode}");
        }
    }

    /// <summary>Removes whatever an attack left at <paramref name="path"/> (a file, a link, a FIFO or a folder).</summary>
    public static void Remove(string path)
    {
        if (Directory.Exists(path) && new DirectoryInfo(path).LinkTarget is null)
        {
            Directory.Delete(path, recursive: true);
        }
        else
        {
            File.Delete(path);
        }
    }
}

using System.Runtime.Versioning;
using DeadlineGuard.Tests.Support;

namespace DeadlineGuard.Tests.Tls;

/// <summary>The kubelet double lays out and renews a volume as pkg/volume/util/atomic_writer.go does (see <see cref="AtomicWriter"/>).</summary>
[UnsupportedOSPlatform("windows")]
public sealed class AtomicWriterTests : IDisposable
{
    private const UnixFileMode Mode0440 = UnixFileMode.UserRead | UnixFileMode.GroupRead;
    private const UnixFileMode Mode0755 = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    private readonly string _root = Directory.CreateTempSubdirectory("volume-").FullName;

    private static Dictionary<string, string> ChartPayload(string version) => new()
    {
        ["policy.yaml"] = "policy " + version,
        ["tls/tls.crt"] = "crt " + version,
        ["tls/tls.key"] = "key " + version,
    };

    [Fact]
    public void The_first_write_makes_a_timestamped_folder_the_data_link_and_one_link_per_top_level_name()
    {
        var writer = new AtomicWriter(_root);

        writer.Write(ChartPayload("1"), Mode0440);

        var data = writer.CurrentDataDir!;
        data.ShouldMatch(@"^\.\.\d{4}_\d{2}_\d{2}_\d{2}_\d{2}_\d{2}\.\d+$");
        Entries(_root).ShouldBe(["..data", data, "policy.yaml", "tls"], ignoreOrder: true);
        Link("policy.yaml").ShouldBe("..data/policy.yaml");
        Link("tls").ShouldBe("..data/tls");
        Link("..data").ShouldBe(data);
        File.ReadAllText(Path.Combine(_root, "tls", "tls.crt")).ShouldBe("crt 1");
        File.GetUnixFileMode(Path.Combine(_root, data, "tls", "tls.key")).ShouldBe(Mode0440);
        File.GetUnixFileMode(Path.Combine(_root, data)).ShouldBe(Mode0755);
    }

    [Fact]
    public void A_renewal_swaps_the_data_link_keeps_the_visible_links_and_removes_the_old_folder()
    {
        var writer = new AtomicWriter(_root);
        writer.Write(ChartPayload("1"), Mode0440);
        var first = writer.CurrentDataDir!;
        var tlsFolderBefore = Path.Combine(_root, first, "tls"); // what tls/ resolves to: tls -> ..data/tls, ..data -> first
        File.ReadAllText(Path.Combine(tlsFolderBefore, "tls.crt")).ShouldBe("crt 1");

        writer.Write(ChartPayload("2"), Mode0440);

        var second = writer.CurrentDataDir!;
        second.ShouldNotBe(first);
        Directory.Exists(Path.Combine(_root, first)).ShouldBeFalse("the old timestamped folder is removed");
        Directory.Exists(tlsFolderBefore).ShouldBeFalse("what tls/ resolved to before is gone, not changed");
        Entries(_root).ShouldBe(["..data", second, "policy.yaml", "tls"], ignoreOrder: true);
        Link("tls").ShouldBe("..data/tls");
        File.ReadAllText(Path.Combine(_root, "tls", "tls.crt")).ShouldBe("crt 2");
    }

    [Fact]
    public void The_same_payload_again_writes_nothing()
    {
        var writer = new AtomicWriter(_root);
        writer.Write(ChartPayload("1"), Mode0440);
        var first = writer.CurrentDataDir;

        writer.Write(ChartPayload("1"), Mode0440);

        writer.CurrentDataDir.ShouldBe(first);
    }

    [Fact]
    public void A_top_level_name_that_leaves_the_payload_loses_its_link()
    {
        var writer = new AtomicWriter(_root);
        writer.Write(ChartPayload("1"), Mode0440);

        writer.Write(new Dictionary<string, string> { ["tls/tls.crt"] = "crt 2", ["tls/tls.key"] = "key 2" }, Mode0440);

        Entries(_root).ShouldBe(["..data", writer.CurrentDataDir!, "tls"], ignoreOrder: true);
    }

    [Theory]
    [InlineData("/etc/passwd")]
    [InlineData("../escape")]
    [InlineData("tls/../../escape")]
    [InlineData("..data/tls.crt")]
    [InlineData("")]
    public void Paths_the_kubelet_refuses_are_refused(string path)
    {
        var writer = new AtomicWriter(_root);

        Should.Throw<ArgumentException>(() => writer.Write(new Dictionary<string, string> { [path] = "x" }, Mode0440));
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static string[] Entries(string folder) => [.. Directory.GetFileSystemEntries(folder).Select(e => Path.GetFileName(e)!)];

    private string? Link(string name) => new FileInfo(Path.Combine(_root, name)).LinkTarget;
}

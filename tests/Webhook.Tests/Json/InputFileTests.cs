using System.Text;
using DeadlineGuard.Json;
using DeadlineGuard.Tests.Policy;

namespace DeadlineGuard.Tests.Json;

public sealed class InputFileTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("input-file-").FullName;

    private string PathOf(string name) => Path.Combine(_folder, name);

    /// <summary>go-yaml's reader (readerc.go) takes UTF-8, and UTF-16 with a byte-order mark; so does this.</summary>
    [Theory]
    [InlineData("utf-8")]
    [InlineData("utf-8 with BOM")]
    [InlineData("utf-16le with BOM")]
    [InlineData("utf-16be with BOM")]
    public void Text_in_each_encoding_yaml_allows_reads_the_same(string encoding)
    {
        const string Text = "name: caf\u00e9 \U0001F600\n";
        byte[] bytes = encoding switch
        {
            "utf-8" => Encoding.UTF8.GetBytes(Text),
            "utf-8 with BOM" => [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(Text)],
            "utf-16le with BOM" => [0xFF, 0xFE, .. Encoding.Unicode.GetBytes(Text)],
            _ => [0xFE, 0xFF, .. Encoding.BigEndianUnicode.GetBytes(Text)],
        };
        File.WriteAllBytes(PathOf("a.yaml"), bytes);

        InputFile.ReadText(PathOf("a.yaml"), 1024).ShouldBe(Text);
    }

    [Fact]
    public void A_file_at_the_limit_is_read_and_one_byte_more_is_refused()
    {
        File.WriteAllText(PathOf("at.yaml"), new string('#', 100));
        File.WriteAllText(PathOf("over.yaml"), new string('#', 101));

        InputFile.ReadText(PathOf("at.yaml"), 100).Length.ShouldBe(100);
        Should.Throw<InvalidDataException>(() => InputFile.ReadText(PathOf("over.yaml"), 100))
            .Message.ShouldBe("is 101 bytes, larger than the limit of 100 bytes");
    }

    [Fact]
    public void A_link_to_a_regular_file_is_followed()
    {
        File.WriteAllText(PathOf("real.yaml"), "a: 1\n");
        File.CreateSymbolicLink(PathOf("link.yaml"), "real.yaml");

        InputFile.ReadText(PathOf("link.yaml"), 100).ShouldBe("a: 1\n");
    }

    [Fact]
    public void A_missing_file_and_a_broken_link_are_not_found()
    {
        File.CreateSymbolicLink(PathOf("broken.yaml"), "nowhere.yaml");

        Should.Throw<FileNotFoundException>(() => InputFile.ReadText(PathOf("missing.yaml"), 100));
        Should.Throw<FileNotFoundException>(() => InputFile.ReadText(PathOf("broken.yaml"), 100));
    }

    [Fact]
    public void A_fifo_without_a_writer_is_refused_at_once_instead_of_blocking()
    {
        HostileInput.MakeFifo(PathOf("pipe.yaml"));

        var read = Task.Run(() => InputFile.ReadText(PathOf("pipe.yaml"), 100));

        Should.Throw<InvalidDataException>(() => read.WaitAsync(TimeSpan.FromSeconds(20)).GetAwaiter().GetResult())
            .Message.ShouldBe("is a FIFO (named pipe), not a regular file");
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}

using System.Text;
using System.Threading.Channels;

namespace DeadlineGuard.Tests.Support.FakeKube;

/// <summary>One open watch stream: a queue of ready event lines (UTF-8 JSON), written to the response as they come.</summary>
internal sealed class FakeKubeWatch(FakeKubeResource type, string? ns, LabelSelector labels, FieldSelector fields, bool bookmarks)
{
    private static readonly byte[] ObjectPrefix = "\",\"object\":"u8.ToArray();
    private static readonly byte[] LineEnd = "}\n"u8.ToArray();

    private readonly Channel<byte[]> lines = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true });

    public FakeKubeResource Type { get; } = type;

    public string? Namespace { get; } = ns;

    public LabelSelector Labels { get; } = labels;

    public FieldSelector Fields { get; } = fields;

    public bool Bookmarks { get; } = bookmarks;

    public ChannelReader<byte[]> Lines => lines.Reader;

    /// <summary>Whether a change to this object of this type belongs on the stream: its type, namespace and selectors.</summary>
    public bool Wants(FakeKubeResource type, StoredObject stored)
    {
        if (type != Type || (Namespace is not null && stored.Namespace != Namespace))
        {
            return false;
        }

        if (Labels.IsEverything && Fields.IsEverything)
        {
            return true;
        }

        var obj = stored.Parse();
        return Labels.Matches(obj) && Fields.Matches(obj);
    }

    /// <summary>Queues one event line, <c>{"type":...,"object":...}</c>, around the object's JSON as stored.</summary>
    public void Send(string eventType, byte[] json)
    {
        var head = Encoding.UTF8.GetBytes("{\"type\":\"" + eventType);
        var line = new byte[head.Length + ObjectPrefix.Length + json.Length + LineEnd.Length];
        head.CopyTo(line, 0);
        ObjectPrefix.CopyTo(line, head.Length);
        json.CopyTo(line, head.Length + ObjectPrefix.Length);
        LineEnd.CopyTo(line, head.Length + ObjectPrefix.Length + json.Length);
        lines.Writer.TryWrite(line);
    }

    public void End() => lines.Writer.TryComplete();
}

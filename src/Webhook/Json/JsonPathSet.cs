using System.Text;

namespace DeadlineGuard.Json;

/// <summary>
/// The paths of object members a <see cref="JsonScanner"/> records, each into a numbered slot: a small tree of
/// member names built once and shared by every scan. Paths go through objects only (no list items).
/// </summary>
public sealed class JsonPathSet
{
    internal Node Root { get; } = new();

    /// <summary>The number of slots: one more than the largest slot captured.</summary>
    public int SlotCount { get; private set; }

    /// <summary>Records the value at <paramref name="path"/> (empty: the root) into <paramref name="slot"/>.</summary>
    /// <param name="canonical">also say whether its raw bytes are already its canonical form.</param>
    public JsonPathSet Capture(int slot, bool canonical, params string[] path)
    {
        var node = NodeAt(path);
        node.Slot = slot;
        node.Canonical = canonical;
        SlotCount = Math.Max(SlotCount, slot + 1);
        return this;
    }

    /// <summary>As <see cref="Capture"/>, and records every member of the object there as a <see cref="JsonMember"/>.</summary>
    public JsonPathSet CaptureMembers(int slot, params string[] path)
    {
        Capture(slot, canonical: false, path);
        NodeAt(path).MembersOf = slot;
        return this;
    }

    private Node NodeAt(string[] path)
    {
        var node = Root;
        foreach (var name in path)
        {
            var utf8 = Encoding.UTF8.GetBytes(name);
            var child = node.Find(utf8);
            if (child is null)
            {
                child = new Node();
                node.Children.Add((utf8, child));
            }

            node = child;
        }

        return node;
    }

    internal sealed class Node
    {
        public List<(byte[] Name, Node Child)> Children { get; } = [];

        public int Slot { get; set; } = -1;

        public bool Canonical { get; set; }

        /// <summary>The slot of this object when its members are recorded, else -1.</summary>
        public int MembersOf { get; set; } = -1;

        public Node? Find(ReadOnlySpan<byte> name)
        {
            foreach (var (candidate, child) in Children)
            {
                if (name.SequenceEqual(candidate))
                {
                    return child;
                }
            }

            return null;
        }
    }
}
